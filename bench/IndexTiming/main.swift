// index-timing: how long `SemanticIndex.nearest` (the semantic cache's brute-force cosine scan)
// takes at several entry counts and dimensions, in the build it is run from (bench/ runs the
// release build). `bench/bench.py` runs it and puts its table in the report.
//
//     index-timing [--entries 1000,10000,50000,100000] [--dimensions 256,1536] [--json]
//
// Every row fills an index with random unit vectors (a fixed seed), then times `nearest` for
// random unit queries, one call at a time: at least 20 calls and at most 500, within about 2 s.
// The scan reads every row whatever the query, so a hit and a miss cost the same here.
import Foundation
import PatchbayServer

/// SplitMix64: a fixed seed, so every run indexes the same vectors.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in -1...1.
    mutating func unit() -> Float {
        Float(Double(next() >> 11) / Double(1 << 52) - 1)
    }

    mutating func vector(_ dimensions: Int) -> [Float] {
        SemanticIndex.normalized((0..<dimensions).map { _ in unit() })!
    }
}

/// One row of the table.
struct Timing: Codable {
    let entries: Int
    let dimensions: Int
    let calls: Int
    let p50Microseconds: Double
    let p99Microseconds: Double
    let meanMicroseconds: Double
    /// The vectors alone: entries × dimensions × 4 bytes.
    let vectorMebibytes: Double
}

func percentile(_ sorted: [Double], _ q: Double) -> Double {
    let k = Double(sorted.count - 1) * q / 100
    let lo = Int(k), hi = min(lo + 1, sorted.count - 1)
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (k - Double(lo))
}

func measure(entries: Int, dimensions: Int, random: inout SplitMix64) -> Timing {
    var index = SemanticIndex(dimensions: dimensions)
    for row in 0..<entries { index.insert("pbc_\(row)", random.vector(dimensions)) }
    let queries = (0..<64).map { _ in random.vector(dimensions) }
    for query in queries.prefix(5) { _ = index.nearest(query) }  // warm-up: pages and caches
    var times: [Double] = []
    var found = 0
    let clock = ContinuousClock()
    let budget = clock.now.advanced(by: .seconds(2))
    while times.count < 20 || (times.count < 500 && clock.now < budget) {
        let query = queries[times.count % queries.count]
        let started = clock.now
        let nearest = index.nearest(query)
        let took = started.duration(to: clock.now)
        if nearest != nil { found += 1 }  // uses the result, so the call cannot be dropped
        times.append(Double(took.components.attoseconds) / 1e12 + Double(took.components.seconds) * 1e6)
    }
    precondition(found == times.count)
    let sorted = times.sorted()
    return Timing(entries: entries, dimensions: dimensions, calls: times.count,
                  p50Microseconds: percentile(sorted, 50), p99Microseconds: percentile(sorted, 99),
                  meanMicroseconds: times.reduce(0, +) / Double(times.count),
                  vectorMebibytes: Double(entries * dimensions * 4) / 1_048_576)
}

func list(_ name: String, default value: [Int]) -> [Int] {
    guard let at = CommandLine.arguments.firstIndex(of: name), at + 1 < CommandLine.arguments.count else { return value }
    let parsed = CommandLine.arguments[at + 1].split(separator: ",").compactMap { Int($0) }
    guard !parsed.isEmpty, parsed.allSatisfy({ $0 > 0 }) else {
        FileHandle.standardError.write(Data("index-timing: \(name) takes positive whole numbers, comma separated\n".utf8))
        exit(2)
    }
    return parsed
}

let entryCounts = list("--entries", default: [1_000, 10_000, 50_000, 100_000])
let dimensionCounts = list("--dimensions", default: [256, 1536])
var random = SplitMix64(state: 0x5EED)
var rows: [Timing] = []
for dimensions in dimensionCounts {
    for entries in entryCounts {
        rows.append(measure(entries: entries, dimensions: dimensions, random: &random))
    }
}

if CommandLine.arguments.contains("--json") {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    print(String(decoding: try encoder.encode(rows), as: UTF8.self))
} else {
    print("| entries | dimensions | nearest p50 (µs) | p99 (µs) | mean (µs) | vectors (MiB) | calls |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows {
        print("| \(row.entries) | \(row.dimensions) | \(String(format: "%.1f", row.p50Microseconds)) | \(String(format: "%.1f", row.p99Microseconds)) | "
              + "\(String(format: "%.1f", row.meanMicroseconds)) | \(String(format: "%.1f", row.vectorMebibytes)) | \(row.calls) |")
    }
}
