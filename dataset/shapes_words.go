package dataset

// ShapeClasses are the class labels of the shapes dataset, in label order.
var ShapeClasses = []string{"circle", "square", "triangle", "star", "cross", "heart", "diamond", "hexagon", "ring", "arrow"}

// MoreShapeClasses are ten further shapes for shapes:classes=20: with more
// classes each one is a smaller share of the test gallery, as in the
// paper's 20-class PASCAL gallery.
var MoreShapeClasses = []string{"crescent", "dome", "trapezoid", "bar", "chevron", "pentagon", "frame", "ell", "hourglass", "tee"}

// ExtraShapeClasses are ten more for shapes:classes=30. With 30 classes a
// class is 1/30 of the test gallery, so a random caption's top 10 holds a
// class-B image by chance less often (about 0.29 against 0.40 with 20).
var ExtraShapeClasses = []string{"oval", "saltire", "bolt", "teardrop", "horseshoe", "equals", "wave", "trefoil", "aitch", "pie"}

// allShapeClasses is the label order for any number of classes.
var allShapeClasses = append(append(append([]string(nil), ShapeClasses...), MoreShapeClasses...), ExtraShapeClasses...)

// ShapeColors are the named object colours of the shapes dataset.
var ShapeColors = []string{"red", "green", "blue", "yellow", "orange", "purple", "white", "pink"}

var shapeColorRGB = [][3]float64{
	{215, 35, 35}, {40, 175, 60}, {40, 90, 230}, {240, 215, 40},
	{245, 135, 20}, {145, 55, 200}, {245, 245, 245}, {245, 130, 190},
}

// Synonyms used in captions; the first entry is the plain name. Ring
// synonyms avoid "circle" so the caption names exactly one class.
var shapeSynonyms = map[string][]string{
	"circle":   {"circle", "disc", "round dot", "filled circle"},
	"square":   {"square", "box", "block", "square tile"},
	"triangle": {"triangle", "triangular shape", "wedge"},
	"star":     {"star", "five-pointed star", "star shape"},
	"cross":    {"cross", "plus sign", "plus shape"},
	"heart":    {"heart", "heart shape", "love heart"},
	"diamond":  {"diamond", "rhombus", "lozenge"},
	"hexagon":  {"hexagon", "six-sided shape", "honeycomb cell"},
	"ring":     {"ring", "hoop", "doughnut", "loop"},
	"arrow":    {"arrow", "pointer", "arrow sign"},
	// The synonyms of the further shapes avoid the words of other classes.
	"crescent":  {"crescent", "crescent moon", "moon shape"},
	"dome":      {"dome", "arch", "half-round shape"},
	"trapezoid": {"trapezoid", "trapezium", "trapezoid shape"},
	"bar":       {"bar", "rod", "slab"},
	"chevron":   {"chevron", "v-shape", "caret"},
	"pentagon":  {"pentagon", "five-sided shape", "pentagon shape"},
	"frame":     {"frame", "hollow frame", "border shape"},
	"ell":       {"l-shape", "letter l", "corner piece"},
	"hourglass": {"hourglass", "bow tie", "sand timer"},
	"tee":       {"t-shape", "letter t", "tee"},
	"oval":      {"oval", "ellipse", "egg shape"},
	"saltire":   {"x-shape", "letter x", "saltire"},
	"bolt":      {"lightning bolt", "zigzag bolt", "thunderbolt"},
	"teardrop":  {"teardrop", "drop shape", "raindrop"},
	"horseshoe": {"u-shape", "horseshoe", "letter u"},
	"equals":    {"equals sign", "double line", "parallel lines"},
	"wave":      {"wave", "wavy line", "squiggle"},
	"trefoil":   {"trefoil", "clover", "three-lobed shape"},
	"aitch":     {"h-shape", "letter h", "h figure"},
	"pie":       {"pie", "pac-man", "pie with a slice missing"},
}

var colorSynonyms = map[string][]string{
	"red":    {"red", "crimson", "scarlet"},
	"green":  {"green", "emerald", "grass-green"},
	"blue":   {"blue", "azure", "cobalt blue"},
	"yellow": {"yellow", "golden", "lemon yellow"},
	"orange": {"orange", "amber", "tangerine"},
	"purple": {"purple", "violet", "plum-coloured"},
	"white":  {"white", "snow-white", "ivory"},
	"pink":   {"pink", "rose-pink", "bubblegum pink"},
}

var sizeSynonyms = map[bool][]string{
	false: {"small", "tiny", "little"},
	true:  {"large", "big", "huge"},
}

var positionPhrases = map[string][]string{
	"left":   {"on the left", "near the left edge", "at the left side", "to the left"},
	"right":  {"on the right", "near the right edge", "at the right side", "to the right"},
	"top":    {"at the top", "near the top edge", "in the upper part", "up top"},
	"bottom": {"at the bottom", "near the bottom edge", "in the lower part", "down low"},
	"centre": {"in the centre", "in the middle", "at the center", "right in the middle"},
}

var opposite = map[string]string{"left": "right", "right": "left", "top": "bottom", "bottom": "top"}

// Muted background tones, named for captions.
var backgroundTones = []struct {
	name string
	rgb  [3]float64
}{
	{"grey", [3]float64{115, 115, 115}}, {"slate", [3]float64{80, 92, 110}},
	{"olive", [3]float64{105, 105, 65}}, {"brown", [3]float64{105, 80, 62}},
	{"teal", [3]float64{70, 102, 100}}, {"mauve", [3]float64{112, 88, 108}},
}

var backgroundPhrases = map[string][]string{
	"noise":    {"a noisy %s background", "a grainy %s backdrop", "speckled %s noise"},
	"stripes":  {"a striped %s background", "%s stripes", "a backdrop of %s stripes"},
	"gradient": {"a %s gradient", "a smooth %s gradient background", "a fading %s backdrop"},
}

var arrowDirections = []string{"right", "down", "left", "up"}

// Caption templates: {O} is the main object phrase ("a small red circle"),
// {P} its position, {B} the background, {S} the object without article.
var singleTemplates = []string{
	"{O} {P}",
	"a picture of {O} {P}",
	"{O} on {B}",
	"an image showing {O}",
	"{O} {P} on {B}",
	"a drawing of {O}",
	"there is {O} {P}",
	"a photo of {O} against {B}",
	"{S} {P}",
	"a simple graphic: {O} {P}",
}

var pairTemplates = []string{
	"{O} and {O2}",
	"{O} {P} and {O2} {P2}",
	"a picture of {O} next to {O2}",
	"{O} {P}, with {O2} {P2}",
	"two shapes: {O} and {O2} on {B}",
}
