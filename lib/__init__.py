"""The machinery every layer uses: config, session, registry, runner, rules, writers, command line."""
