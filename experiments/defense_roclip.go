package experiments

// RoCLIP (Yang, Ahmed and Mirzasoleiman, NeurIPS 2023): train with a
// first-in, first-out pool of caption embeddings, and every few epochs pair
// each image with the pool caption nearest to it instead of its own, which
// a poisoned image seldom finds among random captions. The pool of 256 is
// the default of RoCLIP's code (memory_bank_size); the code leaves the
// frequency to its user, and every second epoch is ours.
func init() {
	RegisterDefense(&Defense{
		Name: "roclip", Summary: "train with a caption pool; every train_defense.pool_every-th epoch pairs each image with its nearest pool caption",
		Stage: DuringTraining,
		Training: func(s TrainingSettings) TrainingChange {
			return TrainingChange{PoolSize: orInt(s.PoolSize, 256), PoolEvery: orInt(s.PoolEvery, 2)}
		},
	})
}

func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
