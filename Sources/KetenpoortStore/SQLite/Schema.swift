import GRDB

/// The versioned schema migrations of the SQLite store.
enum Schema {
    /// The migrator with every migration in order; applied at open.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-messages-deliveries-audit") { db in
            try db.execute(sql: v1)
        }
        migrator.registerMigration("v2-operator-indexes") { db in
            try db.execute(sql: v2)
        }
        migrator.registerMigration("v3-partner-lease-index") { db in
            try db.execute(sql: v3)
        }
        migrator.registerMigration("v4-witness-cosignatures") { db in
            try db.execute(sql: v4WitnessCosignatures)
        }
        migrator.registerMigration("v5-signed-tree-heads") { db in
            try db.execute(sql: v5SignedTreeHeads)
        }
        return migrator
    }

    /// Version 5: checkpoints become signed tree heads (`KPCHECK2`: tree size, Merkle root and the frontier that lets the
    /// next head hash only newer records); checkpoints can no longer be deleted, as records cannot.
    private static let v5SignedTreeHeads = """
        ALTER TABLE audit_checkpoints ADD COLUMN format TEXT NOT NULL DEFAULT 'KPCHECK1';
        ALTER TABLE audit_checkpoints ADD COLUMN tree_size INTEGER;
        ALTER TABLE audit_checkpoints ADD COLUMN root_hash BLOB;
        ALTER TABLE audit_checkpoints ADD COLUMN frontier BLOB;
        CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON audit_checkpoints BEGIN
            SELECT RAISE(ABORT, 'checkpoints are append-only');
        END;
        """

    /// Version 4: the cosignatures the gateway's witnesses returned for its signed tree heads (append-only).
    private static let v4WitnessCosignatures = """
        CREATE TABLE witness_cosignatures (
            id INTEGER PRIMARY KEY NOT NULL,
            witness TEXT NOT NULL,
            tree_size INTEGER NOT NULL,
            root_hash BLOB NOT NULL,
            time_ms INTEGER NOT NULL,
            key_sha256 BLOB NOT NULL,
            algorithm TEXT NOT NULL,
            signature BLOB NOT NULL,
            witness_name TEXT NOT NULL,
            witness_key_sha256 BLOB NOT NULL,
            witness_algorithm TEXT NOT NULL,
            witnessed_ms INTEGER NOT NULL,
            cosignature BLOB NOT NULL,
            received_ms INTEGER NOT NULL,
            UNIQUE (witness, tree_size, root_hash, time_ms, witnessed_ms)
        );
        CREATE TRIGGER witness_cosignatures_no_update BEFORE UPDATE ON witness_cosignatures BEGIN
            SELECT RAISE(ABORT, 'witness cosignatures are append-only');
        END;
        CREATE TRIGGER witness_cosignatures_no_delete BEFORE DELETE ON witness_cosignatures BEGIN
            SELECT RAISE(ABORT, 'witness cosignatures are append-only');
        END;
        """

    /// Version 3: leasing is per partner (only partners with a free slot), urgent first, then the longest due:
    /// two range scans per partner that stop after its free slots. It replaces the index over all partners.
    private static let v3 = """
        CREATE INDEX deliveries_partner_due ON deliveries(partner, urgent, due_ms) WHERE due_ms IS NOT NULL;
        DROP INDEX deliveries_due;
        """

    /// Version 2: indexes that keep the operator's queue and report queries off full scans.
    private static let v2 = """
        CREATE INDEX deliveries_partner_state_next ON deliveries(partner, state, next_attempt_ms);
        CREATE INDEX messages_received ON messages(received_ms);
        """

    /// Version 1: messages, deliveries with counts, the audit chain and its checkpoints.
    private static let v1 = """
        CREATE TABLE messages (
            id TEXT PRIMARY KEY NOT NULL,
            kind TEXT NOT NULL,
            sender_oin TEXT NOT NULL,
            recipients TEXT NOT NULL,
            digest BLOB NOT NULL,
            received_ms INTEGER NOT NULL,
            signed_ms INTEGER NOT NULL,
            urgent INTEGER NOT NULL,
            key_id TEXT,
            payload BLOB,
            retention_ms INTEGER NOT NULL,
            purged_ms INTEGER
        );
        CREATE INDEX messages_retention ON messages(retention_ms) WHERE payload IS NOT NULL;

        CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            message_id TEXT NOT NULL REFERENCES messages(id),
            partner TEXT NOT NULL,
            state TEXT NOT NULL,
            urgent INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            due_ms INTEGER,
            next_attempt_ms INTEGER,
            lease_owner TEXT,
            lease_expiry_ms INTEGER,
            last_error_class TEXT,
            last_error_text TEXT,
            receipt BLOB,
            updated_ms INTEGER NOT NULL,
            UNIQUE (message_id, partner)
        );
        CREATE INDEX deliveries_due ON deliveries(urgent, due_ms) WHERE due_ms IS NOT NULL;
        CREATE INDEX deliveries_partner_state ON deliveries(partner, state);
        CREATE INDEX deliveries_state ON deliveries(state);

        CREATE TABLE delivery_counts (
            partner TEXT NOT NULL,
            state TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (partner, state)
        ) WITHOUT ROWID;
        CREATE TRIGGER deliveries_count_insert AFTER INSERT ON deliveries BEGIN
            INSERT INTO delivery_counts (partner, state, n) VALUES (NEW.partner, NEW.state, 1)
                ON CONFLICT (partner, state) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER deliveries_count_update AFTER UPDATE OF state, partner ON deliveries
            WHEN OLD.state IS NOT NEW.state OR OLD.partner IS NOT NEW.partner BEGIN
            UPDATE delivery_counts SET n = n - 1 WHERE partner = OLD.partner AND state = OLD.state;
            INSERT INTO delivery_counts (partner, state, n) VALUES (NEW.partner, NEW.state, 1)
                ON CONFLICT (partner, state) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER deliveries_count_delete AFTER DELETE ON deliveries BEGIN
            UPDATE delivery_counts SET n = n - 1 WHERE partner = OLD.partner AND state = OLD.state;
        END;

        CREATE TABLE audit (
            seq INTEGER PRIMARY KEY NOT NULL,
            time_ms INTEGER NOT NULL,
            event TEXT NOT NULL,
            message_id TEXT NOT NULL,
            partner TEXT NOT NULL,
            actor TEXT NOT NULL,
            detail TEXT NOT NULL,
            prev_hash BLOB NOT NULL,
            hash BLOB NOT NULL
        );
        CREATE INDEX audit_message ON audit(message_id);
        CREATE INDEX audit_time ON audit(time_ms);
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN
            SELECT RAISE(ABORT, 'audit records are append-only');
        END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN
            SELECT RAISE(ABORT, 'audit records are append-only');
        END;

        CREATE TABLE audit_checkpoints (
            id INTEGER PRIMARY KEY NOT NULL,
            seq INTEGER NOT NULL,
            head_hash BLOB NOT NULL,
            time_ms INTEGER NOT NULL,
            algorithm TEXT NOT NULL,
            key_fingerprint TEXT NOT NULL,
            signature BLOB NOT NULL
        );
        CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON audit_checkpoints BEGIN
            SELECT RAISE(ABORT, 'checkpoints are append-only');
        END;
        """
}
