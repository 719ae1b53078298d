"""The worker's agents, one module each: ``route`` (issue -> pair), ``pair`` (one pair
step), ``commands`` (operator commands), ``retry`` (retries when due, the periodic sweep
and the daily full sync). Each is installed on the app by ``streams.sync.worker``."""
