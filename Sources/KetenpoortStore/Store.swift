/// The durable store of messages, deliveries and the audit chain.
public enum KetenpoortStoreModule {}
