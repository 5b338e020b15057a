import KetenpoortXML
/// Message kinds, domain rules, routing and the admission pipeline.
public enum KetenpoortCoreModule {}
