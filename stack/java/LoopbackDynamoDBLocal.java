// Starts DynamoDB Local bound to one host (127.0.0.1 by default) instead of every interface.
// DynamoDB Local has no bind-address option; its server is built as usual and only the
// Jetty connector's host is set before start. Usage (single-file source launch):
//   java -Djirasync.bind=127.0.0.1 -Djava.library.path=LIB -cp 'LIB/*' \
//        LoopbackDynamoDBLocal.java -inMemory -sharedDb -disableTelemetry -port 8000
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class LoopbackDynamoDBLocal {
    public static void main(String[] args) throws Exception {
        String host = System.getProperty("jirasync.bind", "127.0.0.1");
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server server = (Server) field.get(proxy);
        for (Connector connector : server.getConnectors()) {
            ((ServerConnector) connector).setHost(host);
        }
        proxy.start();
        System.out.println("DynamoDB Local listening on " + host);
        proxy.join();
    }
}
