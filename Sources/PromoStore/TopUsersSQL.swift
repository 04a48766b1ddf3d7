/// The top-users queries. The user dimension of the report totals counts failures only (migration 6): a
/// user's standing redemptions are in user_redemptions for the whole campaign and are counted from the raw
/// rows for a range. Each query returns (key, redemptions, failures) in the order and with the filter of
/// the ip and device top lists, so `topActors` treats all three alike.
///
/// Parameters as for the other top lists: ?1 campaign, ?2 ..< ?3 the hour-aligned range, ?4 the dimension
/// ("user"), ?5 the list length. User ids are never empty (the server requires them); the `<> ''` filters
/// keep the lists identical to those of the dimension, which skipped empty keys, whatever the store is given.
enum TopUsersSQL {
    static func select(by order: String, wholeCampaign: Bool) -> String {
        switch (wholeCampaign, order) {
        case (true, "redemptions"):
            // The index gives the order: no sort, and the failures are looked up for the listed users only.
            return """
                SELECT user_id, redemptions, coalesce((SELECT failures FROM campaign_dimensions
                    WHERE campaign_id = ?1 AND dimension = ?4 AND key = user_redemptions.user_id), 0)
                FROM user_redemptions INDEXED BY user_redemptions_by_count
                WHERE campaign_id = ?1 AND redemptions > 0 AND user_id <> '' AND ?2 <= ?3
                ORDER BY redemptions DESC, user_id LIMIT ?5
                """
        case (true, _):
            return """
                SELECT key, coalesce((SELECT redemptions FROM user_redemptions
                    WHERE campaign_id = ?1 AND user_id = campaign_dimensions.key), 0), failures
                FROM campaign_dimensions INDEXED BY campaign_dimensions_by_failures
                WHERE campaign_id = ?1 AND dimension = ?4 AND failures > 0 AND ?2 <= ?3
                ORDER BY failures DESC, key LIMIT ?5
                """
        default:
            // One row per standing redemption of the range (the index alone answers) and one per user and
            // hour with failures, summed per user: what the hourly user rows used to hold, since a void
            // shrank the hour of the redemption it voided and the range is whole hours.
            return """
                SELECT key, sum(redemptions), sum(failures) FROM (
                    SELECT user_id AS key, 1 AS redemptions, 0 AS failures
                    FROM redemptions INDEXED BY redemptions_standing_by_time
                    WHERE campaign_id = ?1 AND redeemed_at_ms >= ?2 AND redeemed_at_ms < ?3 AND voided_at_ms IS NULL
                        AND user_id <> ''
                    UNION ALL
                    SELECT key, 0, failures FROM campaign_dimension_hours
                    WHERE campaign_id = ?1 AND dimension = ?4 AND hour_ms >= ?2 AND hour_ms < ?3)
                GROUP BY key HAVING sum(\(order)) > 0 ORDER BY sum(\(order)) DESC, key LIMIT ?5
                """
        }
    }
}
