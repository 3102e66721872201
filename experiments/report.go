package experiments

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// WriteReport renders results as report.md (see RenderReport) atomically.
func WriteReport(path string, results []Result) error {
	return WriteFileAtomic(path, []byte(RenderReport(results)))
}

// RenderReport lays results out as markdown tables like the paper's: utility,
// Attack I, Attack II, Attack III (goal 1 / goal 2), frozen towers and
// defenses. Values are means over seeds and jobs with the same configuration
// (column n counts them), with the sample standard deviation beside the
// attack metrics when n > 1; the attack tables show each configuration's
// last epoch. Sections without results are left out.
func RenderReport(results []Result) string {
	a := aggregateResults(results)
	var b strings.Builder
	b.WriteString("# mmpoison results\n\n")
	fmt.Fprintf(&b, "%d result values. MinRank is the 0-based rank of the best target (ties with non-targets count against the target); Hit@K = fraction of queries with MinRank < K. Baseline rows query with random test captions; a backdoor's baseline is the same trigger on the clean model.\n\n", len(results))
	writeUtility(&b, a)
	for _, attack := range []string{AttackSingleImage, AttackSingleLabel, AttackTargeted} {
		writeAttackSection(&b, a, attack)
	}
	writeMultiGoal(&b, a)
	writeBackdoor(&b, a)
	writeVariants(&b, a, "Frozen towers (modality)", "Modality", func(k runKey) string { return k.Modality },
		func(k runKey) bool { return k.Modality != ModalityBoth && k.Defense == DefenseNone })
	writeVariants(&b, a, "Defenses", "Defense", func(k runKey) string { return k.Defense },
		func(k runKey) bool { return k.Defense != DefenseNone })
	writeDefenseMatrix(&b, a)
	return b.String()
}

// matrixMetric is the attack metric of an attack's row in the defense
// matrix: zero-shot ASR for a backdoor, zero-shot success for the targeted
// attack, and t2i Hit@10 for the paper's attacks.
func matrixMetric(attack string) (direction, metric, label string) {
	switch attack {
	case AttackBackdoor:
		return I2T, MetricASRZeroShot, "zero-shot ASR"
	case AttackTargeted:
		return I2T, MetricTargetedZeroShot, "zero-shot success"
	}
	return T2I, HitMetric(10), "t2i Hit@10"
}

// matrixBaseline is the defense matrix's first column: the attack's metric
// with no attack (random captions; a backdoor's trigger on the clean model).
const matrixBaseline = "baseline"

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// writeDefenseMatrix writes every attack against every defense it met: one
// row per attack, goal and ratio, one column per defense, each cell the
// attack metric at the job's last epoch with the model's IR R@10 after it,
// and first the metric's baseline where the undefended job measured one.
func writeDefenseMatrix(b *strings.Builder, a *aggregate) {
	type rowKey struct {
		attack, goal string
		ratio        float64
	}
	cells := map[rowKey]map[string]string{}
	var rows []rowKey
	defenses := map[string]bool{}
	for _, k := range a.finalKeys(func(k runKey) bool { return k.Modality == ModalityBoth }) {
		dir, metric, label := matrixMetric(k.Attack)
		if k.Attack == AttackNone || k.Direction != dir || !a.has(k, metric) {
			continue
		}
		rk := rowKey{k.Attack + " (" + label + ")", k.Goal, k.Ratio}
		if cells[rk] == nil {
			cells[rk] = map[string]string{}
			rows = append(rows, rk)
		}
		uk := runKey{k.Attack, "", T2I, k.Modality, k.Defense, k.Ratio, k.Epoch}
		if _, n := a.get(uk, MetricIRPrefix+"10"); n == 0 {
			uk.Goal = k.Goal
		}
		ir, _ := a.get(uk, MetricIRPrefix+"10")
		cells[rk][k.Defense] = a.spread(k, metric) + " / " + fmtNum(ir)
		defenses[k.Defense] = true
		if k.Defense == DefenseNone && a.has(k, MetricBaselinePrefix+metric) {
			cells[rk][matrixBaseline] = a.spread(k, MetricBaselinePrefix+metric)
			defenses[matrixBaseline] = true
		}
	}
	if len(defenses)-btoi(defenses[matrixBaseline]) < 2 {
		return // one defense (or none) is no matrix: the tables above have it
	}
	// The paper's defenses first, before and after training, then the later ones.
	order := []string{matrixBaseline, DefenseNone, DefenseFilter + "-percent", DefenseFilter + "-labelled", DefenseFilter + "-gamma",
		DefenseFilter + "-auto", DefenseFinetune, "cleanclip", "roclip", "safeclip"}
	var cols []string
	for _, d := range append(order, DefenseNames()...) {
		if defenses[d] && !slices.Contains(cols, d) {
			cols = append(cols, d)
		}
	}
	b.WriteString("## Attacks against defenses (attack metric / IR R@10 after the job)\n\n")
	header := append([]string{"Attack", "Goal", "Ratio"}, cols...)
	var table [][]string
	for _, rk := range rows {
		row := []string{rk.attack, rk.goal, fmtRatio(rk.ratio)}
		for _, d := range cols {
			row = append(row, dash(cells[rk][d]))
		}
		table = append(table, row)
	}
	writeTable(b, header, table)
}

var hitHeader = func() []string {
	var h []string
	for _, k := range HitKs {
		h = append(h, "Hit@"+strconv.Itoa(k))
	}
	return append(h, "MinRank", "Median")
}()

func isAttackMetricKey(a *aggregate, k runKey) bool { return a.has(k, HitMetric(1)) }

func writeUtility(b *strings.Builder, a *aggregate) {
	keys := a.finalKeys(func(k runKey) bool { return k.Direction == T2I && a.has(k, MetricIRPrefix+"1") })
	if len(keys) == 0 {
		return
	}
	b.WriteString("## Utility (clean test retrieval)\n\n")
	header := []string{"Attack", "Goal", "Modality", "Defense", "Ratio", "Epoch"}
	for _, k := range RecallKs {
		header = append(header, "TR R@"+strconv.Itoa(k))
	}
	for _, k := range RecallKs {
		header = append(header, "IR R@"+strconv.Itoa(k))
	}
	zeroShot := false // a column only for grids that measured it
	for _, k := range keys {
		tk := k
		tk.Direction = I2T
		zeroShot = zeroShot || a.has(tk, MetricZeroShotAcc)
	}
	if zeroShot {
		header = append(header, "Zero-shot acc")
	}
	header = append(header, "n")
	var rows [][]string
	for _, k := range keys {
		tk := k
		tk.Direction = I2T
		row := []string{k.Attack, dash(k.Goal), k.Modality, k.Defense, fmtRatio(k.Ratio), strconv.Itoa(k.Epoch)}
		for _, r := range RecallKs {
			v, _ := a.get(tk, MetricTRPrefix+strconv.Itoa(r))
			row = append(row, fmtNum(v))
		}
		n := 0
		for _, r := range RecallKs {
			var v float64
			v, n = a.get(k, MetricIRPrefix+strconv.Itoa(r))
			row = append(row, fmtNum(v))
		}
		if zeroShot {
			v, _ := a.get(tk, MetricZeroShotAcc)
			row = append(row, fmtNum(v))
		}
		rows = append(rows, append(row, strconv.Itoa(n)))
	}
	writeTable(b, header, rows)
}

// writeAttackSection writes one table per direction: for every goal, ratio
// and epoch a baseline row and an attack row, as in the paper.
func writeAttackSection(b *strings.Builder, a *aggregate, attack string) {
	for _, dir := range []string{T2I, I2T} {
		keys := a.finalKeys(func(k runKey) bool {
			return k.Attack == attack && k.Direction == dir && k.Modality == ModalityBoth && k.Defense == DefenseNone && isAttackMetricKey(a, k)
		})
		if len(keys) == 0 {
			continue
		}
		fmt.Fprintf(b, "## Attack %s (%s)\n\n", attack, dirName(dir))
		header := append([]string{"Goal", "Ratio", "φ", "Epoch", "Method"}, hitHeader...)
		header = append(header, "n")
		var rows [][]string
		for _, k := range keys {
			lead := []string{k.Goal, fmtRatio(k.Ratio), fmtPhi(a.phi[k].value()), strconv.Itoa(k.Epoch)}
			if a.has(k, MetricBaselinePrefix+HitMetric(1)) {
				rows = append(rows, append(append(slices.Clone(lead), "baseline"), hitCells(a, k, MetricBaselinePrefix)...))
			}
			rows = append(rows, append(append(lead, "attack"), hitCells(a, k, "")...))
		}
		writeTable(b, header, rows)
	}
}

// hitCells gives Hit@K, MinRank mean and median, and n for a metric prefix;
// a cell averaging n > 1 runs (seeds) shows mean ± std.
func hitCells(a *aggregate, k runKey, prefix string) []string {
	var cells []string
	for _, h := range HitKs {
		cells = append(cells, a.spread(k, prefix+HitMetric(h)))
	}
	_, n := a.get(k, prefix+MetricMinRankMean)
	return append(cells, a.spread(k, prefix+MetricMinRankMean), a.spread(k, prefix+MetricMinRankMedian), strconv.Itoa(n))
}

// writeMultiGoal writes Attack III with goal 1 and goal 2 side by side
// ("g1 / g2"), pairing goals measured at the same configuration.
func writeMultiGoal(b *strings.Builder, a *aggregate) {
	type cfg struct {
		Direction string
		Ratio     float64
		Epoch     int
	}
	goals := map[cfg]map[int]runKey{} // goal number → key
	var order []cfg
	for _, k := range a.finalKeys(func(k runKey) bool {
		return k.Attack == AttackMultiLabel && k.Modality == ModalityBoth && k.Defense == DefenseNone && isAttackMetricKey(a, k)
	}) {
		num, ok := goalNumber(k.Goal)
		if !ok {
			continue
		}
		c := cfg{k.Direction, k.Ratio, k.Epoch}
		if goals[c] == nil {
			goals[c] = map[int]runKey{}
			order = append(order, c)
		}
		goals[c][num] = k
	}
	if len(order) == 0 {
		return
	}
	b.WriteString("## Attack III (goal 1 / goal 2)\n\n")
	header := append([]string{"Direction", "Goals", "Ratio", "φ", "Epoch", "Method"}, hitHeader...)
	var rows [][]string
	for _, c := range order {
		nums := sortedKeys(goals[c])
		var names []string
		for _, n := range nums {
			names = append(names, goals[c][n].Goal)
		}
		lead := []string{c.Direction, strings.Join(names, " + "), fmtRatio(c.Ratio), fmtPhi(a.phi[goals[c][nums[0]]].value()), strconv.Itoa(c.Epoch)}
		for _, m := range []struct{ name, prefix string }{{"baseline", MetricBaselinePrefix}, {"attack", ""}} {
			row := append(slices.Clone(lead), m.name)
			for _, metric := range append(hitMetrics(), MetricMinRankMean, MetricMinRankMedian) {
				var parts []string
				for _, n := range nums {
					v, _ := a.get(goals[c][n], m.prefix+metric)
					parts = append(parts, fmtNum(v))
				}
				row = append(row, strings.Join(parts, " / "))
			}
			rows = append(rows, row)
		}
	}
	writeTable(b, header, rows)
}

// writeBackdoor writes the backdoor's success rates, each with the same
// trigger on the clean model in brackets: zero-shot ASR, triggered images
// retrieving target-class captions (i2t) and target-class captions
// retrieving triggered images (t2i).
func writeBackdoor(b *strings.Builder, a *aggregate) {
	keys := a.finalKeys(func(k runKey) bool {
		return k.Attack == AttackBackdoor && k.Direction == I2T && k.Modality == ModalityBoth && k.Defense == DefenseNone && isAttackMetricKey(a, k)
	})
	if len(keys) == 0 {
		return
	}
	b.WriteString("## Backdoor (attack success; the same trigger on the clean model in brackets)\n\n")
	header := []string{"Trigger:goal", "Ratio", "φ", "Epoch", "zero-shot ASR", "i2t Hit@1", "i2t Hit@10", "t2i Hit@10", "t2i MinRank", "n"}
	var rows [][]string
	for _, k := range keys {
		tk := k
		tk.Direction = T2I
		cell := func(k runKey, metric string) string {
			return a.spread(k, metric) + " (" + a.spread(k, MetricBaselinePrefix+metric) + ")"
		}
		_, n := a.get(k, HitMetric(1))
		rows = append(rows, []string{k.Goal, fmtRatio(k.Ratio), fmtPhi(a.phi[k].value()), strconv.Itoa(k.Epoch),
			cell(k, MetricASRZeroShot), cell(k, HitMetric(1)), cell(k, HitMetric(10)), cell(tk, HitMetric(10)), cell(tk, MetricMinRankMean), strconv.Itoa(n)})
	}
	writeTable(b, header, rows)
}

// writeVariants writes attack results of non-default modality or defense.
func writeVariants(b *strings.Builder, a *aggregate, title, column string, value func(runKey) string, keep func(runKey) bool) {
	keys := a.finalKeys(func(k runKey) bool { return keep(k) && isAttackMetricKey(a, k) })
	if len(keys) == 0 {
		return
	}
	fmt.Fprintf(b, "## %s\n\n", title)
	header := append([]string{column, "Attack", "Goal", "Direction", "Ratio", "Epoch"}, hitHeader...)
	header = append(header, "n", "TR R@10", "IR R@10")
	filter := column == "Defense"
	if filter {
		header = append(header, "filter precision", "filter recall")
	}
	var rows [][]string
	for _, k := range keys {
		row := append([]string{value(k), k.Attack, k.Goal, k.Direction, fmtRatio(k.Ratio), strconv.Itoa(k.Epoch)}, hitCells(a, k, "")...)
		uk := k
		if _, n := a.get(runKey{k.Attack, "", T2I, k.Modality, k.Defense, k.Ratio, k.Epoch}, MetricIRPrefix+"10"); n > 0 {
			uk.Goal = "" // the runner measures utility once per model, not per goal
		}
		uk.Direction = I2T
		tr, _ := a.get(uk, MetricTRPrefix+"10")
		uk.Direction = T2I
		ir, _ := a.get(uk, MetricIRPrefix+"10")
		row = append(row, fmtNum(tr), fmtNum(ir))
		if filter {
			fk := uk
			fk.Epoch = 0 // the filter runs before training
			p, _ := a.get(fk, "filter_precision")
			r, _ := a.get(fk, "filter_recall")
			row = append(row, fmtNum(p), fmtNum(r))
		}
		rows = append(rows, row)
	}
	writeTable(b, header, rows)
}

func hitMetrics() []string {
	var m []string
	for _, k := range HitKs {
		m = append(m, HitMetric(k))
	}
	return m
}

// goalNumber reads N from an Attack III goal label "goalN:a2b".
func goalNumber(label string) (int, bool) {
	prefix, _, ok := strings.Cut(label, ":")
	if !ok || !strings.HasPrefix(prefix, "goal") {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(prefix, "goal"))
	return n, err == nil
}

func writeTable(b *strings.Builder, header []string, rows [][]string) {
	b.WriteString("| " + strings.Join(header, " | ") + " |\n")
	b.WriteString("|" + strings.Repeat("---|", len(header)) + "\n")
	for _, r := range rows {
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
	b.WriteString("\n")
}

func dirName(d string) string {
	if d == I2T {
		return "image→text"
	}
	return "text→image"
}

func fmtNum(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

func fmtRatio(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// fmtPhi prints φ as a percentage, as the paper does.
func fmtPhi(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return strconv.FormatFloat(100*v, 'f', 3, 64) + "%"
}

func dash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
