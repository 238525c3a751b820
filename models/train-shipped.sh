#!/usr/bin/env bash
# Retrains the two shipped models from the public datasets (see docs/models.md). Run from the
# project root after `npm run build`; writes tag-definitions/tags/<id>.json.
set -euo pipefail
DATA=${DATA:-test/fixtures/datasets}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
tagctl() { node dist/apps/cli/src/main.js "$@"; }

tagctl load-dataset --source uci --file "$DATA/UCI_Credit_Card.csv" > "$TMP/uci.ndjson"
tagctl load-dataset --source uci --file "$DATA/UCI_Credit_Card.csv" --labels > "$TMP/uci-labels.ndjson"
tagctl train --profiles "$TMP/uci.ndjson" --labels "$TMP/uci-labels.ndjson" \
  --features cards.0.limit,cards.0.utilization,cards.0.avgUtilization6m,cards.0.currentDpd,cards.0.maxDpd6m,cards.0.minPaymentOnly3m,cards.0.dpdHistory6m.1,cards.0.dpdHistory6m.2,cards.0.dpdHistory6m.3,cards.0.dpdHistory6m.4,cards.0.dpdHistory6m.5,cards.0.paymentHistory6m.0,cards.0.paymentHistory6m.1,cards.0.paymentHistory6m.2,cards.0.paymentHistory6m.3,cards.0.paymentHistory6m.4,cards.0.paymentHistory6m.5,cards.0.statementHistory6m.0,demographics.education \
  --id default_risk_score --name "Default risk score (card scorecard)" --name-zh "违约风险评分卡" \
  --purpose risk --category credit_risk --owner retail-credit-risk \
  --description "Card default scorecard trained on the UCI credit card clients (Taiwan 2005): 600 points at 19:1 good:bad odds, 50 points double the odds; higher is safer. The model block holds the IV table, the fit and the holdout metrics." \
  --label-name "defaulted on the card the next month (UCI default.payment.next.month)" \
  --reason-texts models/default_risk_score.reasons.json \
  --holdout 0.3 --seed 19 --trained-at 2026-01-01T00:00:00Z --out tag-definitions/tags/default_risk_score.json

tagctl load-dataset --source bank --file "$DATA/bank-full.csv" > "$TMP/bank.ndjson"
tagctl load-dataset --source bank --file "$DATA/bank-full.csv" --labels > "$TMP/bank-labels.ndjson"
tagctl train --profiles "$TMP/bank.ndjson" --labels "$TMP/bank-labels.ndjson" \
  --features tags.age_band,demographics.occupation,demographics.education,deposits.balance,tags.has_mortgage,tags.has_consumer_loan,marketing.contacts30d,marketing.lastCampaignOutcome,marketing.preferredChannel,marketing.lastContactMonth:categorical,marketing.lastContactDayOfYear:categorical \
  --id deposit_propensity --name "Term deposit propensity" --name-zh "定期存款意向评分" \
  --purpose marketing --category marketing_channel --owner retail-marketing \
  --description "Propensity to take a term deposit when called, trained on the UCI bank marketing campaigns without the call duration (known only after the call): 600 points at 1:10 odds of subscribing, 50 points double them; higher is likelier." \
  --label-name "subscribed a term deposit (UCI bank marketing y)" \
  --reason-texts models/deposit_propensity.reasons.json \
  --higher-score event --base-odds 0.1 --min-bin-share 0.02 --max-bins 10 \
  --holdout 0.3 --seed 19 --trained-at 2026-01-01T00:00:00Z --out tag-definitions/tags/deposit_propensity.json
