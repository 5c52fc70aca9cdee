/// The embedded questions of one context (one assistant, scope and conversation so far), for a
/// nearest-neighbour search by cosine similarity.
///
/// Vectors are kept unit-length in one contiguous buffer, so the similarity is a dot product and
/// the search a brute-force scan with SIMD: at 10,000 entries of 256 dimensions that is 2.6 M
/// multiply-adds (bench/ measures it).
package struct SemanticIndex: Sendable {
    let dimensions: Int
    private var vectors: [Float] = []
    private(set) var keys: [String] = []
    private var rows: [String: Int] = [:]

    package init(dimensions: Int) {
        self.dimensions = dimensions
    }

    var isEmpty: Bool { keys.isEmpty }

    /// Adds (or replaces) the vector of `key`; `vector` must be unit-length and `dimensions` long.
    package mutating func insert(_ key: String, _ vector: [Float]) {
        precondition(vector.count == dimensions)
        if let row = rows[key] {
            vectors.replaceSubrange(row * dimensions..<(row + 1) * dimensions, with: vector)
            return
        }
        rows[key] = keys.count
        keys.append(key)
        vectors.append(contentsOf: vector)
    }

    /// Removes the vector of `key`: the last row moves into its place.
    mutating func remove(_ key: String) {
        guard let row = rows.removeValue(forKey: key) else { return }
        let last = keys.count - 1
        if row != last {
            let moved = keys[last]
            keys[row] = moved
            rows[moved] = row
            for index in 0..<dimensions { vectors[row * dimensions + index] = vectors[last * dimensions + index] }
        }
        keys.removeLast()
        vectors.removeLast(dimensions)
    }

    /// The key whose vector is nearest `query` (unit-length), and its cosine similarity.
    package func nearest(_ query: [Float]) -> (key: String, similarity: Float)? {
        guard query.count == dimensions, !keys.isEmpty else { return nil }
        var best = (row: -1, score: -Float.infinity)
        vectors.withUnsafeBufferPointer { all in
            query.withUnsafeBufferPointer { query in
                for row in 0..<keys.count {
                    let score = Self.dot(UnsafeBufferPointer(rebasing: all[row * dimensions..<(row + 1) * dimensions]), query)
                    if score > best.score { best = (row, score) }
                }
            }
        }
        return (keys[best.row], min(best.score, 1))
    }

    /// Sixteen lanes at a time, then the rest one by one.
    static func dot(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Float {
        let count = a.count
        var lanes = SIMD16<Float>()
        var index = 0
        while index + 16 <= count {
            let x = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(a)[(index * 4)...]).loadUnaligned(as: SIMD16<Float>.self)
            let y = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(b)[(index * 4)...]).loadUnaligned(as: SIMD16<Float>.self)
            // Not addProduct: without FMA in the target it becomes a call to fmaf per lane.
            lanes += x * y
            index += 16
        }
        var sum = lanes.sum()
        while index < count {
            sum += a[index] * b[index]
            index += 1
        }
        return sum
    }

    /// `vector` scaled to unit length; nil for a zero or non-finite vector.
    package static func normalized(_ vector: [Float]) -> [Float]? {
        let norm = vector.withUnsafeBufferPointer { dot($0, $0) }.squareRoot()
        guard norm > 0, norm.isFinite else { return nil }
        return vector.map { $0 / norm }
    }
}
