"""A service defined outside the gateway's own folders, for the registry's tests: early help, as a council might add
it as a module of its own (`[services] modules = ["tests.sources.early_help.service"]`)."""
