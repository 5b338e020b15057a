import Foundation
import KetenpoortStore
import PostgresNIO

/// The versioned schema of the PostgreSQL store: the same tables as the SQLite store, plus the audit head row,
/// node heartbeats and wrapped payload keys.
enum PostgresSchema {
    /// The migrations in order: an identifier and its SQL (one transaction each).
    static let migrations: [(id: String, sql: String)] = [
        ("pg1-messages-deliveries-audit", v1),
        ("pg2-nodes-and-keys", v2),
    ]

    /// The advisory lock key that serialises migrations between nodes ("kpmigrat").
    static let migrationLock: Int64 = 0x6B70_6D69_6772_6174

    /// Version 1: messages, deliveries, the audit chain with its head row, signed tree heads, witness cosignatures.
    ///
    /// Every transaction that appends audit records first locks the single `audit_head` row: appends are serialised
    /// across all nodes, and sequence numbers and hashes follow each other without gaps.
    private static let v1 = """
        CREATE TABLE messages (
            id TEXT COLLATE "C" PRIMARY KEY,
            kind TEXT NOT NULL,
            sender_oin TEXT NOT NULL,
            recipients TEXT NOT NULL,
            digest BYTEA NOT NULL,
            received_ms BIGINT NOT NULL,
            signed_ms BIGINT NOT NULL,
            urgent BOOLEAN NOT NULL,
            key_id TEXT,
            payload BYTEA,
            retention_ms BIGINT NOT NULL,
            purged_ms BIGINT
        );
        CREATE INDEX messages_retention ON messages(retention_ms) WHERE payload IS NOT NULL;
        CREATE INDEX messages_received ON messages(received_ms);

        CREATE TABLE deliveries (
            id BIGSERIAL PRIMARY KEY,
            message_id TEXT COLLATE "C" NOT NULL REFERENCES messages(id),
            partner TEXT NOT NULL,
            state TEXT NOT NULL,
            urgent BOOLEAN NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            due_ms BIGINT,
            next_attempt_ms BIGINT,
            lease_owner TEXT,
            lease_expiry_ms BIGINT,
            last_error_class TEXT,
            last_error_text TEXT,
            receipt BYTEA,
            updated_ms BIGINT NOT NULL,
            UNIQUE (message_id, partner)
        );
        CREATE INDEX deliveries_partner_due ON deliveries(partner, urgent, due_ms) WHERE due_ms IS NOT NULL;
        CREATE INDEX deliveries_partner_state ON deliveries(partner, state, next_attempt_ms);
        CREATE INDEX deliveries_state_owner ON deliveries(state, lease_owner);

        CREATE TABLE audit (
            seq BIGINT PRIMARY KEY,
            time_ms BIGINT NOT NULL,
            event TEXT NOT NULL,
            message_id TEXT NOT NULL,
            partner TEXT NOT NULL,
            actor TEXT NOT NULL,
            detail TEXT NOT NULL,
            prev_hash BYTEA NOT NULL,
            hash BYTEA NOT NULL
        );
        CREATE INDEX audit_message ON audit(message_id);
        CREATE INDEX audit_time ON audit(time_ms);

        CREATE TABLE audit_head (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            seq BIGINT NOT NULL,
            hash BYTEA NOT NULL
        );
        INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '\\x0000000000000000000000000000000000000000000000000000000000000000');

        CREATE TABLE audit_checkpoints (
            id BIGSERIAL PRIMARY KEY,
            seq BIGINT NOT NULL,
            head_hash BYTEA NOT NULL,
            time_ms BIGINT NOT NULL,
            algorithm TEXT NOT NULL,
            key_fingerprint TEXT NOT NULL,
            signature BYTEA NOT NULL,
            format TEXT NOT NULL DEFAULT 'KPCHECK1',
            tree_size BIGINT,
            root_hash BYTEA,
            frontier BYTEA
        );

        CREATE TABLE witness_cosignatures (
            id BIGSERIAL PRIMARY KEY,
            witness TEXT NOT NULL,
            tree_size BIGINT NOT NULL,
            root_hash BYTEA NOT NULL,
            time_ms BIGINT NOT NULL,
            key_sha256 BYTEA NOT NULL,
            algorithm TEXT NOT NULL,
            signature BYTEA NOT NULL,
            witness_name TEXT NOT NULL,
            witness_key_sha256 BYTEA NOT NULL,
            witness_algorithm TEXT NOT NULL,
            witnessed_ms BIGINT NOT NULL,
            cosignature BYTEA NOT NULL,
            received_ms BIGINT NOT NULL,
            UNIQUE (witness, tree_size, root_hash, time_ms, witnessed_ms)
        );

        CREATE FUNCTION ketenpoort_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
        END;
        $$;
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit FOR EACH ROW EXECUTE FUNCTION ketenpoort_append_only();
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit FOR EACH ROW EXECUTE FUNCTION ketenpoort_append_only();
        CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION ketenpoort_append_only();
        CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON audit_checkpoints FOR EACH ROW EXECUTE FUNCTION ketenpoort_append_only();
        CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON audit_checkpoints FOR EACH ROW EXECUTE FUNCTION ketenpoort_append_only();
        CREATE TRIGGER witness_cosignatures_no_update BEFORE UPDATE ON witness_cosignatures
            FOR EACH ROW EXECUTE FUNCTION ketenpoort_append_only();
        CREATE TRIGGER witness_cosignatures_no_delete BEFORE DELETE ON witness_cosignatures
            FOR EACH ROW EXECUTE FUNCTION ketenpoort_append_only();
        """

    /// Version 2: node heartbeats (liveness, by the database's clock) and payload data keys wrapped by the
    /// key-encryption key that every node reads from its own file.
    private static let v2 = """
        CREATE TABLE gateway_nodes (
            owner TEXT PRIMARY KEY,
            host TEXT NOT NULL,
            started_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
            heartbeat_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
        );

        CREATE TABLE payload_keys (
            id TEXT PRIMARY KEY,
            wrapped BYTEA NOT NULL,
            kek_id TEXT NOT NULL,
            active BOOLEAN NOT NULL DEFAULT FALSE,
            created_ms BIGINT NOT NULL
        );
        CREATE UNIQUE INDEX payload_keys_one_active ON payload_keys(active) WHERE active;
        """
}
