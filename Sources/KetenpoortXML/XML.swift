import CXMLSec
/// Safe XML parsing, validation and signatures.
public enum KetenpoortXMLModule {}
