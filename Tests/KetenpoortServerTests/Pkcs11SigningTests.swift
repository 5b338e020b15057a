import Foundation
import KetenpoortPKI
import KetenpoortServer
import KetenpoortStore
import KetenpoortXML
import XCTest

/// The message-signing key and the audit checkpoint key in a PKCS#11 token (SoftHSM2 through OpenSSL's pkcs11 engine):
/// what the token signs verifies with `xmlsec1`, with our verifier and with the certificate's public key, and a token
/// that is missing, locked or holds another key is refused with its own one-line reason.
final class Pkcs11SigningTests: XCTestCase {
    private func settings(_ token: Pkcs11Settings, certificate: String? = nil) throws -> SigningKeySettings {
        let pki = try GatewayTestPKI.get()
        let gateway = try XCTUnwrap(pki.manifest.party(named: "gateway"))
        return SigningKeySettings(certificate: certificate ?? pki.path(gateway.signingCertificate), privateKey: nil, pkcs11: token)
    }

    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kp-pkcs11-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `xmlsec1 --verify` on the signed bytes against the dev CA; returns its exit status and output.
    private func xmlsec1Verify(_ signed: Data) throws -> (status: Int32, output: String) {
        let directory = try temporaryDirectory()
        let file = directory.appendingPathComponent("signed.xml")
        try signed.write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/xmlsec1")
        process.arguments = ["--verify", "--trusted-pem", try GatewayTestPKI.get().path(DevelopmentPKI.caCertificateFile),
                             "--enabled-reference-uris", "empty", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    private func signingError(_ settings: SigningKeySettings, file: StaticString = #filePath, line: UInt = #line) -> SigningKeyError? {
        do {
            _ = try SigningKeys(settings)
            XCTFail("the token was accepted", file: file, line: line)
            return nil
        } catch let error as SigningKeyError {
            return error
        } catch {
            XCTFail("not a SigningKeyError: \(error)", file: file, line: line)
            return nil
        }
    }

    func testAMessageSignedInTheTokenVerifiesWithXmlsec1AndWithOurVerifier() throws {
        let tokens = try SoftHSMTokens.get()
        let pki = try GatewayTestPKI.get()
        let verifier = try SignatureVerifier(trustAnchorsPEM: Data(contentsOf: URL(fileURLWithPath: pki.path(DevelopmentPKI.caCertificateFile))))
        for (token, certificate, oin) in [
            (tokens.gateway, nil, try XCTUnwrap(pki.manifest.party(named: "gateway")).oin),
            (tokens.generated, tokens.generatedCertificate, try XCTUnwrap(pki.manifest.party(named: "gateway")).oin),
        ] {
            let keys = try SigningKeys(try settings(token, certificate: certificate))
            let signed = try keys.messageSigner.sign(try GatewayExamples.zorgmelding())
            let xmlsec1 = try xmlsec1Verify(signed)
            XCTAssertEqual(xmlsec1.status, 0, "\(token.token): \(xmlsec1.output)")
            XCTAssertTrue(xmlsec1.output.contains("OK"), xmlsec1.output)
            XCTAssertEqual(try verifier.verify(signed).oin, oin)
            // A changed copy fails both: the checks above are not vacuous.
            let tampered = Data(String(decoding: signed, as: UTF8.self)
                .replacingOccurrences(of: "<Afhandeling>", with: "<Afhandeling> ").utf8)
            XCTAssertNotEqual(tampered, signed)
            XCTAssertNotEqual(try xmlsec1Verify(tampered).status, 0)
            XCTAssertThrowsError(try verifier.verify(tampered))
        }
        XCTAssertEqual(try SigningKeys(try settings(tokens.generated, certificate: tokens.generatedCertificate)).messageSigner.algorithm,
                       .rsaSHA256)
    }

    func testAnECDSATokenKeySignsCheckpointsButIsRefusedForMessagesInOneLine() throws {
        let tokens = try SoftHSMTokens.get()
        let key = try Pkcs11PrivateKey(try tokens.generatedEC.reference())
        XCTAssertEqual(key.kind, .ecdsaP256)
        let signer = Pkcs11CheckpointSigner(key: key)
        XCTAssertEqual(signer.algorithm, CheckpointAlgorithm.ecdsaP256SHA256)
        let verifier = try CertificateKeyLoading.verifier(certificateFile: tokens.generatedECCertificate)
        let message = AuditEncoding.checkpointMessage(sequence: 3, headHash: Data(repeating: 0xCD, count: 32), timeMillis: 1_764_000_000_000)
        let signature = try signer.sign(message)
        XCTAssertTrue(verifier.isValid(signature: signature, for: message, algorithm: signer.algorithm))
        XCTAssertFalse(verifier.isValid(signature: signature, for: message + Data([1]), algorithm: signer.algorithm))
        let error = signingError(try settings(tokens.generatedEC, certificate: tokens.generatedECCertificate))
        XCTAssertEqual(error?.key, "signing.pkcs11.key")
        XCTAssertTrue(error?.problem.contains("signs messages only with an RSA key") == true, "\(String(describing: error))")
    }

    func testSignaturesFromManyThreadsAtOnceThroughOneTokenKeyAllVerify() async throws {
        let tokens = try SoftHSMTokens.get()
        let pki = try GatewayTestPKI.get()
        let keys = try SigningKeys(try settings(tokens.gateway))
        let verifier = try SignatureVerifier(trustAnchorsPEM: Data(contentsOf: URL(fileURLWithPath: pki.path(DevelopmentPKI.caCertificateFile))))
        let signer = keys.messageSigner
        let checkpointSigner = keys.checkpointSigner
        let checkpointVerifier = try CertificateKeyLoading.verifier(certificateFile: try settings(tokens.gateway).certificate)
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<16 {
                group.addTask {
                    let message = try GatewayExamples.zorgmelding(id: UUID().uuidString.lowercased())
                    let signed = try signer.sign(message)
                    let checkpoint = Data("checkpoint \(index)".utf8)
                    let signature = try checkpointSigner.sign(checkpoint)
                    return (try? verifier.verify(signed)) != nil
                        && checkpointVerifier.isValid(signature: signature, for: checkpoint, algorithm: checkpointSigner.algorithm)
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        XCTAssertEqual(outcomes.count, 16)
        XCTAssertTrue(outcomes.allSatisfy { $0 }, "\(outcomes.filter { !$0 }.count) of 16 signatures did not verify")
    }

    func testACheckpointSignedInTheTokenVerifiesWithTheCertificatesPublicKey() throws {
        let tokens = try SoftHSMTokens.get()
        let pki = try GatewayTestPKI.get()
        let gateway = try XCTUnwrap(pki.manifest.party(named: "gateway"))
        let fileSigner = try SoftwareCheckpointSigner(pemFile: pki.path(gateway.signingKey))
        for (token, certificate) in [(tokens.gateway, pki.path(gateway.signingCertificate)),
                                     (tokens.generated, tokens.generatedCertificate)] {
            let signer = try SigningKeys(try settings(token, certificate: certificate)).checkpointSigner
            let verifier = try CertificateKeyLoading.verifier(certificateFile: certificate)
            XCTAssertEqual(signer.keyFingerprint, verifier.keyFingerprint)
            let message = AuditEncoding.checkpointMessage(sequence: 7, headHash: Data(repeating: 0xAB, count: 32), timeMillis: 1_764_000_000_000)
            let signature = try signer.sign(message)
            XCTAssertTrue(verifier.isValid(signature: signature, for: message, algorithm: signer.algorithm), token.token)
            XCTAssertFalse(verifier.isValid(signature: signature, for: message + Data([0]), algorithm: signer.algorithm))
            let head = try SignedTreeHead.sign(treeSize: 3, rootHash: Data(repeating: 1, count: 32), timeMillis: 1_764_000_000_000, signer: signer)
            XCTAssertTrue(head.isValid(with: verifier))
        }
        // The same key in a file and in the token: the same algorithm name and key, so `audit verify` cannot tell them apart.
        let tokenSigner = try SigningKeys(try settings(tokens.gateway)).checkpointSigner
        XCTAssertEqual(tokenSigner.algorithm, fileSigner.algorithm)
        XCTAssertEqual(tokenSigner.publicKeyDER, fileSigner.publicKeyDER)
    }

    func testAWrongPINIsRefusedAsSuch() throws {
        let tokens = try SoftHSMTokens.get()
        let error = signingError(try settings(tokens.wrongPIN))
        XCTAssertEqual(error?.key, "signing.pkcs11.pinFile")
        XCTAssertTrue(error?.problem.contains("wrong PIN") == true, "\(String(describing: error))")
        XCTAssertFalse("\(String(describing: error))".contains("0000-not-the-pin"), "the PIN is never echoed")
    }

    func testAnAbsentTokenAndAnAbsentKeyAreRefusedAsSuch() throws {
        let tokens = try SoftHSMTokens.get()
        var absent = tokens.gateway
        absent.token = "kp-no-such-token"
        let missing = signingError(try settings(absent))
        XCTAssertEqual(missing?.key, "signing.pkcs11.token")
        XCTAssertTrue(missing?.problem.contains("no PKCS#11 token labelled 'kp-no-such-token'") == true, "\(String(describing: missing))")
        var noKey = tokens.gateway
        noKey.key = "no-such-key"
        let keyMissing = signingError(try settings(noKey))
        XCTAssertEqual(keyMissing?.key, "signing.pkcs11.key")
        XCTAssertTrue(keyMissing?.problem.contains("no private key labelled 'no-such-key'") == true, "\(String(describing: keyMissing))")
        var noModule = tokens.gateway
        noModule.module = "/nonexistent/libpkcs11.so"
        XCTAssertEqual(signingError(try settings(noModule))?.key, "signing.pkcs11.module")
    }

    func testAKeyThatIsNotTheCertificatesIsRefused() throws {
        let tokens = try SoftHSMTokens.get()
        let error = signingError(try settings(tokens.otherKey))
        XCTAssertEqual(error?.key, "signing.certificate")
        XCTAssertTrue(error?.problem.contains("does not belong to the signing certificate") == true, "\(String(describing: error))")
    }

    func testConfigCheckAndStartRefuseABadTokenInOneLine() throws {
        let tokens = try SoftHSMTokens.get()
        let pki = try GatewayTestPKI.get()
        var configuration = try RunningGateway.makeConfiguration(
            partners: ["shn": "https://localhost:9/v1/berichten"], stateDirectory: nil,
            retry: .init(initialDelaySeconds: 0.3, maxDelaySeconds: 1, maxAgeHours: 1, jitter: 0.1))
        configuration.signing = try settings(tokens.gateway)
        XCTAssertEqual(ConfigurationCheck(configuration).problems.filter { $0.key.hasPrefix("signing") }, [])
        for (token, key, words) in [(tokens.wrongPIN, "signing.pkcs11.pinFile", "wrong PIN"),
                                    (tokens.otherKey, "signing.certificate", "does not belong")] {
            configuration.signing = try settings(token)
            let problems = ConfigurationCheck(configuration).problems.filter { $0.key.hasPrefix("signing") }
            XCTAssertEqual(problems.count, 1, problems.map(\.description).joined(separator: "\n"))
            XCTAssertEqual(problems.first?.key, key)
            XCTAssertTrue(problems.first?.problem.contains(words) == true, problems.map(\.description).joined(separator: "\n"))
            XCTAssertThrowsError(try Gateway(configuration: configuration, logger: CapturedLogs().logger()))
        }
        configuration.signing = SigningKeySettings(certificate: configuration.signing.certificate,
                                                   privateKey: pki.path(try XCTUnwrap(pki.manifest.party(named: "gateway")).signingKey),
                                                   pkcs11: tokens.gateway)
        XCTAssertTrue(ConfigurationCheck(configuration).problems.contains { $0.key == "signing" && $0.problem.contains("not both") })

        // A PIN file every user may read is a warning; the script's (0600) is not.
        configuration.signing = try settings(tokens.gateway)
        XCTAssertFalse(ConfigurationCheck(configuration).warnings.contains { $0.key.hasPrefix("signing") })
        let open = tokens.directory.appendingPathComponent("open.pin")
        try FileManager.default.copyItem(atPath: tokens.gateway.pinFile, toPath: open.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: open.path)
        configuration.signing.pkcs11?.pinFile = open.path
        let check = ConfigurationCheck(configuration)
        XCTAssertEqual(check.problems.filter { $0.key.hasPrefix("signing") }, [])
        XCTAssertTrue(check.warnings.contains { $0.key == "signing.pkcs11.pinFile" && $0.problem.contains("readable by every user") },
                      check.warnings.map(\.description).joined(separator: "\n"))
    }

    func testTheGatewaySignsAndCheckpointsThroughTheToken() async throws {
        let tokens = try SoftHSMTokens.get()
        let pki = try GatewayTestPKI.get()
        let partner = try await RunningPartner.start("vt-rotterdam-rijnmond")
        var configuration = try RunningGateway.makeConfiguration(
            partners: ["vt-rotterdam-rijnmond": partner.url], stateDirectory: nil,
            retry: .init(initialDelaySeconds: 0.3, maxDelaySeconds: 1, maxAgeHours: 1, jitter: 0.1))
        configuration.signing = try settings(tokens.gateway)
        let gateway = try Gateway(configuration: configuration, logger: CapturedLogs().logger(label: "gateway"))
        let task = Task { try await gateway.run(handleSignals: false) }
        let port = try await gateway.intakePort.wait()
        let client = try IntakeClient(tls: GatewayTestPKI.tls(pki, "politie-rotterdam"))
        let id = UUID().uuidString.lowercased()
        let response = try await client.post(try GatewayExamples.zorgmelding(id: id), port: port)
        await client.shutdown()
        XCTAssertEqual(response.status, 202, response.body)
        try await eventually { partner.inboxFiles() == ["\(id).xml"] }
        await gateway.stop()
        _ = try? await task.value
        await partner.stop()

        // What the partner received was signed in the token: xmlsec1 and our verifier accept it.
        let delivered = try Data(contentsOf: URL(fileURLWithPath: partner.inbox).appendingPathComponent("\(id).xml"))
        let xmlsec1 = try xmlsec1Verify(delivered)
        XCTAssertEqual(xmlsec1.status, 0, xmlsec1.output)
        let anchors = try Data(contentsOf: URL(fileURLWithPath: pki.path(DevelopmentPKI.caCertificateFile)))
        XCTAssertEqual(try SignatureVerifier(trustAnchorsPEM: anchors).verify(delivered).oin, configuration.gateway.oin)

        // Every checkpoint (here: the one at shutdown; a fresh store has nothing to sign at start) was signed in the token and verifies with the certificate's public key.
        let store = try SQLiteStore.openWithoutKeys(stateDirectory: configuration.stateDirectory)
        let checkpoints = try await store.checkpoints()
        XCTAssertFalse(checkpoints.isEmpty, "the checkpoint at shutdown signs the records of this run")
        let verifier = try CertificateKeyLoading.verifier(certificateFile: configuration.signing.certificate)
        for checkpoint in checkpoints {
            let message = checkpoint.treeHead?.message ?? AuditEncoding.checkpointMessage(
                sequence: checkpoint.sequence, headHash: checkpoint.headHash, timeMillis: checkpoint.timeMillis)
            XCTAssertEqual(checkpoint.keyFingerprint, verifier.keyFingerprint)
            XCTAssertTrue(verifier.isValid(signature: checkpoint.signature, for: message, algorithm: checkpoint.algorithm),
                          "checkpoint \(checkpoint.id)")
        }
    }

    /// A PKCS#11 module of our own whose token "locked-flag" reports a locked user PIN and whose token "locked-login"
    /// answers the login with CKR_PIN_LOCKED (SoftHSM2 never locks a PIN), compiled with the system C compiler.
    private func lockedTokenModule() throws -> String {
        let directory = try temporaryDirectory()
        let source = directory.appendingPathComponent("locked.c")
        let library = directory.appendingPathComponent("liblocked.so")
        try Data("""
            #include <string.h>
            #include <p11-kit-1/p11-kit/pkcs11.h>
            static CK_RV ok_init(void *args) { (void)args; return CKR_OK; }
            static CK_RV ok_final(void *reserved) { (void)reserved; return CKR_OK; }
            static CK_RV slots(CK_BBOOL present, CK_SLOT_ID *list, CK_ULONG *count) {
                (void)present;
                if (list != NULL) { list[0] = 1; list[1] = 2; }
                *count = 2;
                return CKR_OK;
            }
            static CK_RV token(CK_SLOT_ID slot, CK_TOKEN_INFO *info) {
                memset(info, 0, sizeof(*info));
                memset(info->label, ' ', sizeof(info->label));
                const char *label = slot == 1 ? "locked-flag" : "locked-login";
                memcpy(info->label, label, strlen(label));
                info->flags = CKF_TOKEN_INITIALIZED | (slot == 1 ? CKF_USER_PIN_LOCKED : 0);
                return CKR_OK;
            }
            static CK_RV open(CK_SLOT_ID slot, CK_FLAGS flags, void *app, CK_NOTIFY notify, CK_SESSION_HANDLE *session) {
                (void)slot; (void)flags; (void)app; (void)notify;
                *session = 7;
                return CKR_OK;
            }
            static CK_RV close_session(CK_SESSION_HANDLE session) { (void)session; return CKR_OK; }
            static CK_RV login(CK_SESSION_HANDLE session, CK_USER_TYPE type, CK_UTF8CHAR *pin, CK_ULONG length) {
                (void)session; (void)type; (void)pin; (void)length;
                return CKR_PIN_LOCKED;
            }
            static CK_FUNCTION_LIST functions;
            CK_RV C_GetFunctionList(CK_FUNCTION_LIST **list) {
                functions.version.major = 2;
                functions.version.minor = 40;
                functions.C_Initialize = ok_init;
                functions.C_Finalize = ok_final;
                functions.C_GetSlotList = slots;
                functions.C_GetTokenInfo = token;
                functions.C_OpenSession = open;
                functions.C_CloseSession = close_session;
                functions.C_Login = login;
                *list = &functions;
                return CKR_OK;
            }
            """.utf8).write(to: source)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/cc")
        process.arguments = ["-shared", "-fPIC", "-o", library.path, source.path]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "cc could not build the fake module")
        return library.path
    }

    func testALockedTokenIsRefusedAsSuch() throws {
        let tokens = try SoftHSMTokens.get()
        let module = try lockedTokenModule()
        for label in ["locked-flag", "locked-login"] {
            var locked = tokens.gateway
            locked.module = module
            locked.token = label
            let error = signingError(try settings(locked))
            XCTAssertEqual(error?.key, "signing.pkcs11.pinFile", label)
            XCTAssertTrue(error?.problem.contains("token '\(label)' is locked") == true, "\(String(describing: error))")
        }
    }
}
