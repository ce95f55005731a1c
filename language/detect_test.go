package language

import "testing"

func TestDetect(t *testing.T) {
	d := New()
	for text, want := range map[string]string{
		"@ExampleCare my internet keeps dropping every evening, please help https://t.co/x": "en",
		"Mein Router verliert jeden Abend die Verbindung zum Internet":                      "de",
		"El router se desconecta todas las noches desde la actualización":                   "es",
		"ルーターが毎晩再起動を繰り返しています":                                                               "ja",
		"الراوتر لا يعمل بعد التحديث الأخير":                                                "ar",
		"@someone https://t.co/abc":                                                         "",
		"ok":                                                                                "",
	} {
		if got := d.Detect(text); got != want {
			t.Errorf("Detect(%q) = %q, want %q", text, got, want)
		}
	}
}
