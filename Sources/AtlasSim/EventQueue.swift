/// Identifies one scheduled event for `cancel` / `reschedule`. Stale ids (the event
/// already ran or was cancelled) are detected by the slot's generation.
public struct EventID: Hashable, Sendable {
    let slot: Int32
    let generation: UInt32
}

/// A registered event kind: its handler and its counter.
public struct EventKind: Hashable, Sendable {
    public let index: Int32
}

/// A binary min-heap of pending events ordered by (time, insertion sequence), so
/// events at the same instant run in the order they were scheduled. Each event lives
/// in a slot that records its heap position, which makes cancel and reschedule
/// O(log n) without tombstones.
///
/// Storage is raw memory owned by this non-copyable value: the kernel pops and pushes
/// tens of millions of events, and array uniqueness/bounds checks were a third of that.
public struct EventQueue: ~Copyable {
    struct Entry {
        var timeNanos: Int64
        var seq: UInt64
        var slot: Int32
    }
    struct Slot {
        var position: Int32      // index in `heap`, −1 when free
        var generation: UInt32
        var kind: Int32
        var payload: Int64
        var nextFree: Int32      // free-list link, −1 at the end
    }

    private var heap: UnsafeMutablePointer<Entry>
    private var heapCapacity: Int
    public private(set) var count = 0
    private var slots: UnsafeMutablePointer<Slot>
    private var slotCapacity: Int
    private var slotCount = 0
    private var freeHead: Int32 = -1
    private var nextSeq: UInt64 = 0

    public init(initialCapacity: Int = 64) {
        let c = Swift.max(4, initialCapacity)
        heap = .allocate(capacity: c)
        heapCapacity = c
        slots = .allocate(capacity: c)
        slotCapacity = c
    }

    deinit {
        heap.deallocate()
        slots.deallocate()
    }

    public var isEmpty: Bool { count == 0 }
    /// Time of the next event, if any.
    public var nextTimeNanos: Int64? { count > 0 ? heap[0].timeNanos : nil }

    @inline(__always)
    static func less(_ a: Entry, _ b: Entry) -> Bool {
        a.timeNanos != b.timeNanos ? a.timeNanos < b.timeNanos : a.seq < b.seq
    }

    /// Adds an event; returns its id.
    public mutating func push(timeNanos: Int64, kind: Int32, payload: Int64) -> EventID {
        let slot: Int32
        if freeHead >= 0 {
            slot = freeHead
            freeHead = slots[Int(slot)].nextFree
            slots[Int(slot)].kind = kind
            slots[Int(slot)].payload = payload
        } else {
            if slotCount == slotCapacity { slots = Self.grow(slots, &slotCapacity, used: slotCount) }
            slot = Int32(slotCount)
            (slots + slotCount).initialize(to: Slot(position: -1, generation: 0, kind: kind, payload: payload, nextFree: -1))
            slotCount += 1
        }
        if count == heapCapacity { heap = Self.grow(heap, &heapCapacity, used: count) }
        let seq = nextSeq
        nextSeq &+= 1
        (heap + count).initialize(to: Entry(timeNanos: timeNanos, seq: seq, slot: slot))
        count += 1
        siftUp(count - 1)
        return EventID(slot: slot, generation: slots[Int(slot)].generation)
    }

    private static func grow<T>(_ p: UnsafeMutablePointer<T>, _ capacity: inout Int, used: Int) -> UnsafeMutablePointer<T> {
        let bigger = UnsafeMutablePointer<T>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: p, count: used)
        p.deallocate()
        capacity *= 2
        return bigger
    }

    /// Removes and returns the earliest event (its slot is freed).
    public mutating func popMin() -> (timeNanos: Int64, kind: Int32, payload: Int64)? {
        guard count > 0 else { return nil }
        let top = heap[0]
        removeAt(0)
        let s = Int(top.slot)
        let out = (top.timeNanos, slots[s].kind, slots[s].payload)
        release(s)
        return out
    }

    /// Cancels a pending event. Returns false if it already ran or was cancelled.
    public mutating func cancel(_ id: EventID) -> Bool {
        guard let pos = position(of: id) else { return false }
        removeAt(pos)
        release(Int(id.slot))
        return true
    }

    /// Moves a pending event to a new time (it sorts after events already scheduled
    /// for that instant). Returns false if it already ran or was cancelled.
    public mutating func reschedule(_ id: EventID, toNanos t: Int64) -> Bool {
        guard let pos = position(of: id) else { return false }
        heap[pos].timeNanos = t
        heap[pos].seq = nextSeq
        nextSeq &+= 1
        siftUp(pos)
        siftDown(Int(slots[Int(id.slot)].position))
        return true
    }

    /// True while `id` is pending.
    public func isPending(_ id: EventID) -> Bool { position(of: id) != nil }

    /// The time `id` is scheduled for, while pending.
    public func timeNanos(of id: EventID) -> Int64? {
        position(of: id).map { heap[$0].timeNanos }
    }

    /// Kind and payload of a pending event.
    func kindAndPayload(of id: EventID) -> (Int32, Int64)? {
        guard position(of: id) != nil else { return nil }
        let s = slots[Int(id.slot)]
        return (s.kind, s.payload)
    }

    private func position(of id: EventID) -> Int? {
        let s = Int(id.slot)
        guard s >= 0, s < slotCount, slots[s].generation == id.generation, slots[s].position >= 0 else { return nil }
        return Int(slots[s].position)
    }

    @inline(__always)
    private mutating func release(_ s: Int) {
        slots[s].position = -1
        slots[s].generation &+= 1
        slots[s].nextFree = freeHead
        freeHead = Int32(s)
    }

    @inline(__always)
    private mutating func removeAt(_ pos: Int) {
        count -= 1
        guard pos < count else { return }
        let last = heap[count]
        heap[pos] = last
        slots[Int(last.slot)].position = Int32(pos)
        siftUp(pos)
        siftDown(Int(slots[Int(last.slot)].position))
    }

    @inline(__always)
    private func siftUp(_ start: Int) {
        var i = start
        let e = heap[i]
        while i > 0 {
            let parent = (i - 1) >> 1
            let p = heap[parent]
            guard Self.less(e, p) else { break }
            heap[i] = p
            slots[Int(p.slot)].position = Int32(i)
            i = parent
        }
        heap[i] = e
        slots[Int(e.slot)].position = Int32(i)
    }

    @inline(__always)
    private func siftDown(_ start: Int) {
        var i = start
        let n = count
        let e = heap[i]
        while true {
            let l = 2 * i + 1
            guard l < n else { break }
            var c = l
            if l + 1 < n, Self.less(heap[l + 1], heap[l]) { c = l + 1 }
            let child = heap[c]
            guard Self.less(child, e) else { break }
            heap[i] = child
            slots[Int(child.slot)].position = Int32(i)
            i = c
        }
        heap[i] = e
        slots[Int(e.slot)].position = Int32(i)
    }
}
