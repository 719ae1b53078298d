"""The sync engine: the pure decision model, the applier and the Faust topology."""
