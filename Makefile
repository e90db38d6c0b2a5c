# clvr — the commands a newcomer and CI run. Everything builds one profile (release), so
# build, demo, test and bench share one compilation. Set CARGO_TARGET_DIR to reuse a
# target directory outside the clone.
CARGO      ?= cargo
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
BIN        := $(TARGET_DIR)/release/clvr
DEMO_OUT   := demo-out

.PHONY: build demo test bench lint fmt clean

build:
	$(CARGO) build --release --locked

# The main job on bundled data: summarise the full CDNOW log (calibration to 1997-09-30,
# holdout to 1998-06-30, weeks), show the head of the table, and fit BG/NBD and Pareto/NBD
# to the calibration period.
demo: build
	@mkdir -p $(DEMO_OUT)
	$(BIN) summarize --transactions datasets/cdnow/CDNOW_master.txt \
	    --calibration-end 1997-09-30 --observation-end 1998-06-30 --time-unit week \
	    --output $(DEMO_OUT)/cdnow_summary.csv
	@echo
	@echo "first rows of $(DEMO_OUT)/cdnow_summary.csv:"
	@head -n 6 $(DEMO_OUT)/cdnow_summary.csv
	@echo
	$(BIN) fit --model bgnbd --summary $(DEMO_OUT)/cdnow_summary.csv
	@echo
	$(BIN) fit --model paretonbd --summary $(DEMO_OUT)/cdnow_summary.csv

test:
	$(CARGO) test --release --locked

# End-to-end scale benchmark (1M customers); figures go to docs/benchmarks.md.
bench: build
	bash benches/summarize.sh
	bash benches/fit.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --release --locked --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
	rm -rf $(DEMO_OUT) bench-data
