package experiments

// The paper's post-training defense: fine-tune the poisoned model on clean
// data (finetune.epochs, finetune.lr).
func init() {
	RegisterDefense(&Defense{Name: DefenseFinetune, Summary: "fine-tune the poisoned model on the clean training data", Stage: AfterTraining})
}
