//go:build race

package word2vec

// raceEnabled makes tests train on one thread: Hogwild updates race by
// design.
const raceEnabled = true
