/// What the store found for the reservation a redeem names. The store answers `notFound` also for a
/// reservation held by another user or for another code, so a reservation id cannot be borrowed.
public enum ReservationLookup: Sendable, Hashable {
    /// The call names no reservation.
    case notRequested
    case notFound
    /// Live while `nowMs < expiresAtMs`; the store must count live reservations with the same rule.
    case found(expiresAtMs: Int64)
}
