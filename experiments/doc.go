// Package experiments builds the paper's poisoning attacks (Yang et al., ICML
// 2023: single target image, single target label, multiple target labels),
// measures them (Hit@K, MinRank, random-caption baseline, retrieval utility),
// provides the training-free parts of the pre-training defense, and writes
// results (CSV, JSON), markdown reports and plots.
//
// Embeddings enter this package as plain row-major float32 matrices (Matrix),
// so it does not depend on any model code.
package experiments
