//go:build race

package glove

// raceEnabled makes tests train on one thread: Hogwild updates race by
// design.
const raceEnabled = true
