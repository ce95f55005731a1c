# Reads `go test -v` output and prints it as go test prints without -v: the
# ok/FAIL line of each package, each failed test with what it logged, and
# whatever the tests print themselves. Passed and skipped tests' logs are
# left out. At the end it writes to the file named by `summary` the skipped
# tests grouped by their reason (the last thing each logged), and the counts.
#
#   go test -v ./... 2>&1 | awk -v summary=FILE -v module=MODULE [-v engine=NAME] -f .ci/test-summary.awk
#
# engine names the database engine the pass ran on, for the summary.
#
# POSIX awk (Debian's mawk): no gawk extensions.

# A test starts, pauses, resumes, or takes the output back: the lines that
# follow are its own.
/^=== (RUN|PAUSE|CONT|NAME) / {
	cur = substr($0, 11)
	next
}

# A result, indented for subtests: "--- SKIP: TestX/sub (0.00s)".
/^ *--- (PASS|FAIL|SKIP): / {
	line = $0
	sub(/^ +/, "", line)
	status = substr(line, 5, 4)
	name = substr(line, 11)
	sub(/ \([0-9.]+s\)$/, "", name)
	if (status == "PASS") {
		passed++
	} else if (status == "FAIL") {
		failed++
		pkgfailed = 1
		print $0
		printf "%s", buf[name]
	} else {
		skipped++
		reason = last[name]
		if (reason == "")
			reason = "(no reason given)"
		pending[++npending] = name
		pendingreason[npending] = reason
	}
	delete buf[name]
	delete last[name]
	next
}

# A package's closing line: "ok  <TAB>pkg<TAB>1.2s", "FAIL<TAB>pkg ...", "?   <TAB>pkg<TAB>[no test files]".
/^(ok  |FAIL|\?   )\t/ {
	split($0, f, "\t")
	pkg = f[2]
	if (module != "" && index(pkg, module "/") == 1)
		pkg = substr(pkg, length(module) + 2)
	for (i = 1; i <= npending; i++)
		addskip(pendingreason[i], pkg, pending[i])
	npending = 0
	if (substr($0, 1, 4) == "FAIL") {
		# A panic, a timeout or a build failure: show what the unfinished tests
		# logged, and count the package once if no test of it was counted.
		for (t in buf)
			printf "%s", buf[t]
		if (!pkgfailed)
			failed++
	}
	for (t in buf)
		delete buf[t]
	for (t in last)
		delete last[t]
	cur = ""
	pkgfailed = 0
	print
	next
}

# What a test logged: kept until its result says whether to show it.
/^    / && cur != "" {
	buf[cur] = buf[cur] $0 "\n"
	text = $0
	if (text ~ /^    [^ ][^ ]*\.go:[0-9]+: /) {
		sub(/^    [^ ]*\.go:[0-9]+: /, "", text)
		last[cur] = text
	} else {
		sub(/^ +/, "", text)
		last[cur] = last[cur] " " text
	}
	next
}

# -v's "PASS" before "ok": go test without -v prints none.
/^PASS$/ {
	next
}

{
	print
}

# addskip counts a skipped test under its reason and package, naming the
# first few of each package.
function addskip(reason, pkg, name,    i, j) {
	for (i = 1; i <= nreasons; i++)
		if (reasons[i] == reason)
			break
	if (i > nreasons) {
		nreasons = i
		reasons[i] = reason
		count[i] = 0
		npkgs[i] = 0
	}
	count[i]++
	for (j = 1; j <= npkgs[i]; j++)
		if (pkgs[i, j] == pkg)
			break
	if (j > npkgs[i]) {
		npkgs[i] = j
		pkgs[i, j] = pkg
		pkgcount[i, j] = 0
		pkgnames[i, j] = name
	} else if (pkgcount[i, j] < 3) {
		pkgnames[i, j] = pkgnames[i, j] ", " name
	} else if (pkgcount[i, j] == 3) {
		pkgnames[i, j] = pkgnames[i, j] ", …"
	}
	pkgcount[i, j]++
}

END {
	for (i = 1; i <= npending; i++)
		addskip(pendingreason[i], "?", pending[i])
	if (summary == "")
		summary = "/dev/stderr"
	on = ""
	if (engine != "")
		on = " on " engine
	if (skipped == 0) {
		printf "No test was skipped%s.\n", on > summary
	} else {
		printf "%d skipped%s, by reason (go test -v ./... names each):\n", skipped, on > summary
		for (i = 1; i <= nreasons; i++) {
			printf "  %d skipped: %s\n", count[i], reasons[i] > summary
			for (j = 1; j <= npkgs[i]; j++)
				printf "      %s (%d): %s\n", pkgs[i, j], pkgcount[i, j], pkgnames[i, j] > summary
		}
	}
	printf "tests%s: %d passed, %d failed, %d skipped\n", on, passed, failed, skipped > summary
}
