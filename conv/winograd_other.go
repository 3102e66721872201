//go:build !amd64 || purego

package conv

// Without assembly the lane transforms are their Go forms.

func WinoBtLanes(d []WinoLanes, s int, o []WinoLanes, so int) { WinoBtGo(d, s, o, so) }
func WinoAtLanes(m []WinoLanes, s int, o []WinoLanes, so int) { WinoAtGo(m, s, o, so) }
func WinoA1Lanes(e []WinoLanes, s int, o []WinoLanes, so int) { WinoA1Go(e, s, o, so) }
