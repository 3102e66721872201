package clipmodel

import "github.com/mmpoison/mmpoison/vision"

func visionConfig(typ string, size int) vision.Config {
	return vision.Config{Type: typ, ImageSize: size}
}
