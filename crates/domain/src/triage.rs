//! The EOSC triage rules: a ticket's suggested priority from what the submitter reports.

use serde::{Deserialize, Serialize};

use crate::ticket::{Priority, SecurityRisk, TicketType};

/// What triage asks about a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriageInput {
    /// Incident or service request.
    pub ticket_type: TicketType,
    /// How many users are affected.
    pub affected_users: i64,
    /// Whether the incident affects and degrades a service.
    pub service_degraded: bool,
    /// The security risk.
    pub security_risk: SecurityRisk,
}

/// The suggested priority (EOSC "Triage of tickets"):
/// 1. every ticket starts at low;
/// 2. more than 5 users affected: medium;
/// 3. more than 50 users affected: high;
/// 4. an incident that affects and degrades a service: top;
/// 5. a trivial security risk: one level more (never above top);
/// 6. an imminent security risk: top, at once.
///
/// Rule 4 speaks of incidents: a service request asks for something and cannot itself degrade a
/// service, so its "degraded" answer is ignored. The security rules hold for both types, since a
/// risk is a risk whatever the ticket asks.
pub fn suggested_priority(input: &TriageInput) -> Priority {
    let mut priority = Priority::Low;
    if input.affected_users > 5 {
        priority = Priority::Medium;
    }
    if input.affected_users > 50 {
        priority = Priority::High;
    }
    if input.ticket_type == TicketType::Incident && input.service_degraded {
        priority = Priority::Top;
    }
    match input.security_risk {
        SecurityRisk::None => priority,
        SecurityRisk::Trivial => priority.raised(),
        SecurityRisk::Imminent => Priority::Top,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Priority::*;
    use SecurityRisk as R;
    use TicketType::*;

    fn input(ticket_type: TicketType, users: i64, degraded: bool, risk: SecurityRisk) -> TriageInput {
        TriageInput { ticket_type, affected_users: users, service_degraded: degraded, security_risk: risk }
    }

    #[test]
    fn each_rule_and_their_combinations() {
        // (type, users affected, service degraded, security risk) => priority, and why
        let table = [
            (Incident, 0, false, R::None, Low, "rule 1: every ticket starts at low"),
            (Incident, 5, false, R::None, Low, "rule 2 needs more than 5"),
            (Incident, 6, false, R::None, Medium, "rule 2: more than 5 users"),
            (Incident, 50, false, R::None, Medium, "rule 3 needs more than 50"),
            (Incident, 51, false, R::None, High, "rule 3: more than 50 users"),
            (Incident, 0, true, R::None, Top, "rule 4: a degraded service"),
            (Incident, 1000, true, R::None, Top, "rule 4 over rule 3"),
            (ServiceRequest, 0, true, R::None, Low, "rule 4 is for incidents only"),
            (ServiceRequest, 51, true, R::None, High, "a service request still counts users"),
            (Incident, 0, false, R::Trivial, Medium, "rule 5: low + 1"),
            (Incident, 6, false, R::Trivial, High, "rule 5: medium + 1"),
            (Incident, 51, false, R::Trivial, Top, "rule 5: high + 1"),
            (Incident, 0, true, R::Trivial, Top, "rule 5 never goes above top"),
            (ServiceRequest, 0, false, R::Trivial, Medium, "rule 5 holds for service requests"),
            (Incident, 0, false, R::Imminent, Top, "rule 6: imminent risk is top at once"),
            (Incident, 51, false, R::Imminent, Top, "rule 6 with many users"),
            (ServiceRequest, 0, false, R::Imminent, Top, "rule 6 holds for service requests"),
            (Incident, -3, false, R::None, Low, "a nonsensical count changes nothing"),
        ];
        for (ticket_type, users, degraded, risk, expected, why) in table {
            let got = suggested_priority(&input(ticket_type, users, degraded, risk));
            assert_eq!(got, expected, "{why}: {ticket_type} users={users} degraded={degraded} risk={risk}");
        }
    }

    #[test]
    fn more_users_or_more_risk_never_lowers_the_priority() {
        let risks = [R::None, R::Trivial, R::Imminent];
        for ticket_type in [Incident, ServiceRequest] {
            for degraded in [false, true] {
                for (i, risk) in risks.iter().enumerate() {
                    let mut last = Low;
                    for users in 0..120 {
                        let p = suggested_priority(&input(ticket_type, users, degraded, *risk));
                        assert!(p >= last, "priority fell at {users} users");
                        last = p;
                        if i > 0 {
                            let less = suggested_priority(&input(ticket_type, users, degraded, risks[i - 1]));
                            assert!(p >= less, "more risk lowered the priority");
                        }
                    }
                }
            }
        }
    }
}
