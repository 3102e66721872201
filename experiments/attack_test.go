package experiments

import (
	"slices"
	"strings"
	"testing"
)

func TestTheAttacksAreRegisteredPapersFirst(t *testing.T) {
	if got, want := AttackKinds(), []string{AttackSingleImage, AttackSingleLabel, AttackMultiLabel, AttackBackdoor, AttackTargeted}; !slices.Equal(got, want) {
		t.Fatalf("registered kinds %v, want %v", got, want)
	}
	a, err := LookupAttack(AttackSingleImage)
	if err != nil || !a.NeedsTarget {
		t.Errorf("attack I: %+v, %v; want one that needs a target", a, err)
	}
	if _, err := LookupAttack("IV"); err == nil || !strings.Contains(err.Error(), "I, II, III, backdoor, targeted") {
		t.Errorf("unknown kind: %v, want an error listing I, II, III, backdoor, targeted", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering II twice did not panic")
		}
	}()
	RegisterAttack(&Attack{Kind: AttackSingleLabel})
}

func TestCheckGoalCount(t *testing.T) {
	for _, c := range []struct {
		a    Attack
		n    int
		want string // "" for no error
	}{
		{Attack{Kind: "one", MinGoals: 1, MaxGoals: 1}, 1, ""},
		{Attack{Kind: "one", MinGoals: 1, MaxGoals: 1}, 2, "exactly one goal"},
		{Attack{Kind: "one", MinGoals: 1, MaxGoals: 1}, 0, "exactly one goal"},
		{Attack{Kind: "two", MinGoals: 2, MaxGoals: 2}, 3, "exactly 2 goals"},
		{Attack{Kind: "many", MinGoals: 2}, 9, ""},
		{Attack{Kind: "many", MinGoals: 2}, 1, "at least 2"},
		{Attack{Kind: "some", MinGoals: 1, MaxGoals: 3}, 4, "at most 3"},
	} {
		err := c.a.CheckGoalCount(c.n)
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s with %d goals: %v, want %q", c.a.Kind, c.n, err, c.want)
		}
	}
}
