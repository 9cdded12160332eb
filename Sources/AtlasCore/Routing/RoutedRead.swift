/// A read's answer together with where it came from and how fresh it is.
public struct RoutedRead<Answer> {
    public var value: Answer
    public var freshness: FreshnessMetadata

    public init(value: Answer, freshness: FreshnessMetadata) {
        self.value = value
        self.freshness = freshness
    }
}

extension RoutedRead: Sendable where Answer: Sendable {}
extension RoutedRead: Equatable where Answer: Equatable {}
