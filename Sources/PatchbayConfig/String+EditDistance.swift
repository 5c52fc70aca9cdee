extension String {
    /// The optimal-string-alignment distance to `other`: insertions, deletions, substitutions
    /// and swaps of neighbours each cost 1, so "prot" is one edit from "port".
    func editDistance(to other: String) -> Int {
        let source = Array(self)
        let target = Array(other)
        guard !source.isEmpty else { return target.count }
        guard !target.isEmpty else { return source.count }
        var previousPrevious = [Int](repeating: 0, count: target.count + 1)
        var previous = Array(0...target.count)
        var current = [Int](repeating: 0, count: target.count + 1)
        for i in 1...source.count {
            current[0] = i
            for j in 1...target.count {
                let cost = source[i - 1] == target[j - 1] ? 0 : 1
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, source[i - 1] == target[j - 2], source[i - 2] == target[j - 1] {
                    current[j] = Swift.min(current[j], previousPrevious[j - 2] + 1)
                }
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[target.count]
    }

    /// The candidate closest to this string within two edits (ignoring case), the earliest on a tie.
    func closestMatch(in candidates: [String], maximumDistance: Int = 2) -> String? {
        let lowered = self.lowercased()
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = lowered.editDistance(to: candidate.lowercased())
            if distance <= maximumDistance, distance < (best?.distance ?? .max) {
                best = (candidate, distance)
            }
        }
        return best?.candidate
    }
}
