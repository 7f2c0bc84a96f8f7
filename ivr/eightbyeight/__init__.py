"""The boundary with 8x8's Voice API.

Everything that knows 8x8's vocabulary lives here: `events` turns every
payload shape 8x8 sends into one normalized event, `actions` builds the
callflow actions 8x8 accepts and checks a response against 8x8's rules, and
`limits` holds 8x8's documented limits, which the models reuse so that staff
cannot save what 8x8 would reject, and `client` calls 8x8's Voice API
(webhooks, speech profiles, callflows).
"""
