package dataset

import "testing"

func TestCOCOSpecCarvesTestSplit(t *testing.T) {
	plain, err := Load("coco:testdata/coco")
	if err != nil {
		t.Fatal(err)
	}
	viaOpt, err := LoadWith("coco:testdata/coco", Options{TestPerClass: 1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	viaSpec, err := Load("coco:testdata/coco,test=1,seed=7")
	if err != nil {
		t.Fatal(err)
	}
	tests := 0
	for i := range viaSpec.Rows {
		if viaSpec.Rows[i].Split != viaOpt.Rows[i].Split || viaSpec.Rows[i].Label != viaOpt.Rows[i].Label {
			t.Fatalf("row %d: spec gives %s/%s, options give %s/%s", i, viaSpec.Rows[i].Split, viaSpec.Rows[i].Label, viaOpt.Rows[i].Split, viaOpt.Rows[i].Label)
		}
		if viaSpec.Rows[i].Split == Test {
			tests++
		}
		if plain.Rows[i].Split == Test {
			t.Fatalf("row %d is in the test split without test=", i)
		}
	}
	if tests == 0 {
		t.Fatal("test=1 carved no test rows")
	}
	if _, err := Load("coco:testdata/coco,tset=1"); err == nil {
		t.Fatal("unknown setting tset accepted")
	}
}
