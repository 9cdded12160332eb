/// A FIFO queue on a power-of-two ring: O(1) push and pop without shifting.
public struct RingBuffer<Element> {
    var storage: [Element?]
    var head = 0
    var mask: Int
    public private(set) var count = 0

    public init(initialCapacity: Int = 16) {
        var c = 1
        while c < Swift.max(initialCapacity, 2) { c <<= 1 }
        storage = Array(repeating: nil, count: c)
        mask = c - 1
    }

    public var isEmpty: Bool { count == 0 }

    /// The oldest element, if any.
    public var first: Element? { count > 0 ? storage[head] : nil }

    public mutating func append(_ e: Element) {
        if count == storage.count { grow() }
        storage[(head + count) & mask] = e
        count += 1
    }

    public mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let e = storage[head]
        storage[head] = nil
        head = (head + 1) & mask
        count -= 1
        return e
    }

    /// The element `i` places from the front (0 = first).
    public subscript(i: Int) -> Element {
        precondition(i >= 0 && i < count, "RingBuffer index out of range")
        return storage[(head + i) & mask]!
    }

    private mutating func grow() {
        var bigger: [Element?] = Array(repeating: nil, count: storage.count * 2)
        for i in 0..<count { bigger[i] = storage[(head + i) & mask] }
        storage = bigger
        head = 0
        mask = bigger.count - 1
    }
}
