package runner

import _ "embed"

//go:embed demo.json
var demoConfig []byte

// DemoConfig is the grid `mmpoison demo` runs on the built-in shapes data:
// a clean model, Attacks I, II and III and a patch backdoor at about 1% of
// the training pairs, and both defenses against Attack II.
func DemoConfig() *Config {
	c, err := ParseConfig("demo.json", demoConfig)
	if err != nil {
		panic(err) // the embedded config is tested
	}
	return c
}

// DemoConfigJSON is the demo's config file as shipped.
func DemoConfigJSON() []byte { return append([]byte(nil), demoConfig...) }
