import Crypto
import Foundation
import KetenpoortStore
import XCTest

final class SignedTreeHeadTests: XCTestCase {
    func testSignsVerifiesAndRoundTripsThroughJSON() throws {
        let key = P256.Signing.PrivateKey()
        let signer = SoftwareCheckpointSigner(p256: key)
        let verifier = try SoftwareCheckpointVerifier(spkiDER: key.publicKey.derRepresentation)
        let root = Data(SHA256.hash(data: Data("root".utf8)))
        let head = try SignedTreeHead.sign(treeSize: 7, rootHash: root, timeMillis: 1_800_000_000_000, signer: signer)
        XCTAssertTrue(head.isValid(with: verifier))
        XCTAssertEqual(head.message.count, 8 + 8 + 32 + 8 + 32)
        XCTAssertEqual(head.message.prefix(8), Data("KPCHECK2".utf8))
        XCTAssertEqual(head.keySHA256, Data(SHA256.hash(data: key.publicKey.derRepresentation)))

        let json = try JSONEncoder().encode(head)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])
        XCTAssertEqual(object["tree_size"] as? Int, 7)
        XCTAssertEqual(object["root_hash"] as? String, root.hexString)
        XCTAssertEqual(object["key_sha256"] as? String, head.keySHA256.hexString)
        XCTAssertEqual(object["signature"] as? String, head.signature.base64EncodedString())
        XCTAssertEqual(try JSONDecoder().decode(SignedTreeHead.self, from: json), head)

        var grown = head
        grown.treeSize = 8
        XCTAssertFalse(grown.isValid(with: verifier), "a changed size must not verify")
        let other = try SoftwareCheckpointVerifier(spkiDER: P256.Signing.PrivateKey().publicKey.derRepresentation)
        XCTAssertFalse(head.isValid(with: other), "another key must not verify")
    }

    func testRejectsMalformedHashesInJSON() {
        let json = Data(#"{"tree_size":1,"root_hash":"zz","time_ms":0,"key_sha256":"00","algorithm":"x","signature":""}"#.utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(SignedTreeHead.self, from: json))
        XCTAssertEqual(Data(hexString: "00ffA0"), Data([0x00, 0xFF, 0xA0]))
        XCTAssertNil(Data(hexString: "0"))
    }
}
