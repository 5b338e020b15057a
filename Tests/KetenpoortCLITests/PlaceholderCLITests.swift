import XCTest

final class PlaceholderCLITests: XCTestCase {
    func testPlaceholder() { XCTAssertEqual(1 + 1, 2) }
}
