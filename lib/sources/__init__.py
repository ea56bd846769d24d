"""How records arrive: landing files and their parsers, Kafka (the broker, topics, producer and reader)."""
