package experiments

// CleanCLIP (Bansal et al., ICCV 2023): fine-tune the poisoned model on clean
// data with the CLIP loss plus in-modal contrastive terms, an image against
// an augmented copy and a caption against an EDA copy, which break the
// spurious trigger-caption link that the cross-modal loss alone keeps. The
// weights are the paper's defaults, 1 and 1 beside the CLIP loss's 1.
func init() {
	RegisterDefense(&Defense{
		Name: "cleanclip", Summary: "fine-tune on clean data with the CLIP loss plus image-image and caption-caption (EDA) contrasts",
		Stage:     AfterTraining,
		Objective: &Objective{ViewLoss: 1, CaptionLoss: 1, CaptionAugment: "eda"},
	})
}
