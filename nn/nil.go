package nn

import "reflect"

// isNil reports whether a module interface holds nothing or a nil pointer,
// so optional submodules can be left unset.
func isNil(m Module) bool {
	if m == nil {
		return true
	}
	v := reflect.ValueOf(m)
	switch v.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface, reflect.Func:
		return v.IsNil()
	}
	return false
}
