// Package benchmarks holds goformer's speed benchmarks (`go test -bench`),
// one file per area, each reporting the unit a user cares about
// (GFLOP/s, GB/s, MB/s, tokens/s, words/s) with b.ReportMetric.
//
// The reference tools that each benchmark is compared with, the commands
// that run both sides, and the figures measured on the project's machine
// are in README.md beside this file; the reference scripts are in
// reference/.
package benchmarks
