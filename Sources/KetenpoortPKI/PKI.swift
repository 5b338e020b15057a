/// Certificates: development PKI and reading subjects, OINs and expiry.
public enum KetenpoortPKIModule {}
