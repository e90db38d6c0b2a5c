# clvr — the commands a newcomer and CI run. Everything builds one profile (release), so
# build, demo, test and bench share one compilation. Set CARGO_TARGET_DIR to reuse a
# target directory outside the clone.
CARGO      ?= cargo
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
BIN        := $(TARGET_DIR)/release/clvr
DEMO_OUT   := demo-out

.PHONY: build demo test bench lint fmt clean notebooks

build:
	$(CARGO) build --release --locked

# The main job on bundled data: train BG/NBD + Gamma-Gamma on the full CDNOW log (23,570
# customers, weeks), write a versioned model file, score every customer's 12-month CLV
# (showing the ten most valuable), and write the HTML report. Everything lands in demo-out/.
demo: build
	@mkdir -p $(DEMO_OUT)
	$(BIN) train --transactions datasets/cdnow/CDNOW_master.txt --name cdnow \
	    --registry $(DEMO_OUT)/models --time-unit week --churn
	@echo
	$(BIN) predict --model cdnow --registry $(DEMO_OUT)/models \
	    --transactions datasets/cdnow/CDNOW_master.txt \
	    --output $(DEMO_OUT)/cdnow_scores.csv --top 10
	@echo
	$(BIN) report --model cdnow --registry $(DEMO_OUT)/models \
	    --scores $(DEMO_OUT)/cdnow_scores.csv --output $(DEMO_OUT)/report.html

test:
	$(CARGO) test --release --locked

# Executes every notebook in notebooks/ headless (nbclient); executed copies with their
# outputs land in demo-out/notebooks/. Needs: pip install -r notebooks/requirements.txt
notebooks: build
	CLVR_BIN=$(abspath $(BIN)) python3 notebooks/run.py

# End-to-end scale benchmark (1M customers); figures go to docs/benchmarks.md.
bench: build
	bash benches/summarize.sh
	bash benches/fit.sh
	bash benches/train_predict.sh
	bash benches/churn.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --release --locked --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --release --locked --no-deps

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
	rm -rf $(DEMO_OUT) bench-data
