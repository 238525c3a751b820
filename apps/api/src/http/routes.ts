// Route paths for Fastify's router (find-my-way), which reads '::' as a literal ':'. A parameter just
// before one needs a pattern that stops at the colon, or it would swallow the suffix:
// `tags/:id${UNTIL_COLON}::retire` matches /tags/low_risk:retire with id "low_risk".
export const UNTIL_COLON = '(^[^/:]+)';
