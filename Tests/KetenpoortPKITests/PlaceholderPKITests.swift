import XCTest

final class PlaceholderPKITests: XCTestCase {
    func testPlaceholder() { XCTAssertEqual(1 + 1, 2) }
}
