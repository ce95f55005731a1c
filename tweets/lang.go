package tweets

import "strings"

// NormalizeLang makes one code of each language, so that the inbox lists a
// language once: lower case, X's legacy codes replaced (in -> id, iw -> he,
// ji -> yi, jw -> jv, mo -> ro), a region dropped (en-GB -> en). Pseudo-codes
// (und, qme, qam, zxx, art, …) are kept as they are; anything that is not a
// language tag becomes "".
func NormalizeLang(code string) string {
	code = strings.ToLower(strings.TrimSpace(code))
	if i := strings.IndexAny(code, "-_"); i >= 0 {
		code = code[:i]
	}
	if len(code) < 2 || len(code) > 3 {
		return ""
	}
	for i := 0; i < len(code); i++ {
		if code[i] < 'a' || code[i] > 'z' {
			return ""
		}
	}
	return modernLang(code)
}

// modernLang replaces the language codes X still writes that ISO 639
// withdrew by the codes that replaced them, which the language detector
// and newer tweets use.
func modernLang(code string) string {
	switch code {
	case "in":
		return "id" // Indonesian
	case "iw":
		return "he" // Hebrew
	case "ji":
		return "yi" // Yiddish
	case "jw":
		return "jv" // Javanese
	case "mo":
		return "ro" // Moldovan is written Romanian
	}
	return code
}
