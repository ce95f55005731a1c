// Package bench holds what the benchmarks need and production does not:
// the generated corpus (a large, realistic forum written from a word-pair
// model of real support text), the posts from X the insights benchmark
// adds, the import's floor (the same rows copied by the engine alone) and
// the search relevance measurement over the relevance set (relevance/).
//
// It writes through the store's exported API only (models.Store's bulk
// loader: WriteThreads, CreateMembers, AddSocialItems; CopyRowsFrom; the
// Seeder), so no SQL lives here.
package bench
