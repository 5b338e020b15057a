/// Configuration, intake server, dispatcher, courier, reference partner endpoint, metrics, lifecycle.
public enum KetenpoortServerModule {}
