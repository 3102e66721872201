//go:build !amd64 || purego

package autograd

// Without assembly the lane transforms are their Go forms.

func winoBtLanes(d []winoLanes, s int, o []winoLanes, so int) { winoBtGo(d, s, o, so) }
func winoAtLanes(m []winoLanes, s int, o []winoLanes, so int) { winoAtGo(m, s, o, so) }
func winoA1Lanes(e []winoLanes, s int, o []winoLanes, so int) { winoA1Go(e, s, o, so) }
