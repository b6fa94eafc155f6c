//! The rest of the HubSpot portal: owners, pipelines, tickets, a custom object ("Cars") and
//! every object type's property definitions, as HubSpot's v3 APIs describe them
//! (HubSpot/HubSpot-public-api-spec-collection: `Properties`, `Crm Owners`, `Pipelines`,
//! `Tickets`, `Schemas`).

use super::CrmRecord;

/// One owner (`GET /crm/v3/owners`).
#[derive(Debug, Clone)]
pub struct Owner {
    /// The owner id records carry in `hubspot_owner_id`.
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// The HubSpot user behind the owner.
    pub user_id: u64,
}

/// One pipeline and its stages: (stage id, label, metadata key, metadata value).
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub id: &'static str,
    pub label: &'static str,
    pub stages: &'static [(&'static str, &'static str, &'static str, &'static str)],
}

/// One property definition (`GET /crm/v3/properties/{objectType}`).
#[derive(Debug, Clone)]
pub struct PropertyDef {
    pub name: String,
    pub label: String,
    /// `string`, `number`, `date`, `datetime`, `enumeration`, `bool`.
    pub kind: &'static str,
    /// `text`, `textarea`, `number`, `date`, `select`, `checkbox`, `booleancheckbox`, `radio`.
    pub field_type: &'static str,
    pub group: &'static str,
    /// (value, label).
    pub options: Vec<(&'static str, &'static str)>,
    /// `OWNER` for properties that hold an owner id.
    pub referenced: Option<&'static str>,
    /// Whether HubSpot defines it (custom properties are the portal's).
    pub hubspot_defined: bool,
}

/// The custom object the portal defines.
pub const CARS_TYPE_ID: &str = "2-7654321";
/// The custom object's name.
pub const CARS_NAME: &str = "cars";

/// Deal pipelines: HubSpot's default sales pipeline (metadata `probability`).
pub const DEAL_PIPELINES: [Pipeline; 2] = [
    Pipeline {
        id: "default",
        label: "Sales Pipeline",
        stages: &[
            (
                "appointmentscheduled",
                "Appointment Scheduled",
                "probability",
                "0.2",
            ),
            ("qualifiedtobuy", "Qualified To Buy", "probability", "0.4"),
            ("closedwon", "Closed Won", "probability", "1.0"),
            ("closedlost", "Closed Lost", "probability", "0.0"),
        ],
    },
    Pipeline {
        id: "812345",
        label: "Renewals",
        stages: &[
            ("812346", "Up for renewal", "probability", "0.5"),
            ("812347", "Renewed", "probability", "1.0"),
        ],
    },
];

/// Ticket pipelines: HubSpot's support pipeline (metadata `ticketState`).
pub const TICKET_PIPELINES: [Pipeline; 1] = [Pipeline {
    id: "0",
    label: "Support Pipeline",
    stages: &[
        ("1", "New", "ticketState", "OPEN"),
        ("2", "Waiting on contact", "ticketState", "OPEN"),
        ("3", "Waiting on us", "ticketState", "OPEN"),
        ("4", "Closed", "ticketState", "CLOSED"),
    ],
}];

fn def(
    name: &str,
    label: &str,
    kind: &'static str,
    field_type: &'static str,
    group: &'static str,
) -> PropertyDef {
    PropertyDef {
        name: name.to_owned(),
        label: label.to_owned(),
        kind,
        field_type,
        group,
        options: Vec::new(),
        referenced: None,
        hubspot_defined: true,
    }
}

fn with_options(mut d: PropertyDef, options: Vec<(&'static str, &'static str)>) -> PropertyDef {
    d.options = options;
    d
}

fn owner_def() -> PropertyDef {
    let mut d = def(
        "hubspot_owner_id",
        "Owner",
        "enumeration",
        "select",
        "sales_properties",
    );
    d.referenced = Some("OWNER");
    d
}

fn stage_options(pipelines: &[Pipeline]) -> Vec<(&'static str, &'static str)> {
    pipelines
        .iter()
        .flat_map(|p| p.stages.iter().map(|(id, label, _, _)| (*id, *label)))
        .collect()
}

/// The property definitions of `object_type`, with `extra` custom contact properties
/// (`custom_field_N`: a portal with hundreds of them).
pub fn properties_of(object_type: &str, extra: usize) -> Vec<PropertyDef> {
    let created = def(
        "createdate",
        "Create Date",
        "datetime",
        "date",
        "contactinformation",
    );
    let id = def(
        "hs_object_id",
        "Record ID",
        "number",
        "number",
        "contactinformation",
    );
    match object_type {
        "contacts" => {
            let mut all = vec![
                def(
                    "firstname",
                    "First Name",
                    "string",
                    "text",
                    "contactinformation",
                ),
                def(
                    "lastname",
                    "Last Name",
                    "string",
                    "text",
                    "contactinformation",
                ),
                def("email", "Email", "string", "text", "contactinformation"),
                def(
                    "lastmodifieddate",
                    "Last Modified Date",
                    "datetime",
                    "date",
                    "contactinformation",
                ),
                with_options(
                    def(
                        "lifecyclestage",
                        "Lifecycle Stage",
                        "enumeration",
                        "radio",
                        "contactinformation",
                    ),
                    vec![("lead", "Lead"), ("customer", "Customer")],
                ),
                owner_def(),
                PropertyDef {
                    hubspot_defined: false,
                    ..with_options(
                        def(
                            "favorite_color",
                            "Favourite colour",
                            "enumeration",
                            "checkbox",
                            "custom",
                        ),
                        vec![("red", "Red"), ("green", "Green"), ("blue", "Blue")],
                    )
                },
                created,
                id,
                // The ids of the records merged into this one, `;`-separated ("Merged record
                // IDs", read-only; HubSpot types it as a multi-value enumeration, the sandbox
                // as text).
                def(
                    "hs_merged_object_ids",
                    "Merged record IDs",
                    "string",
                    "text",
                    "contactinformation",
                ),
            ];
            all.extend((0..extra).map(|n| PropertyDef {
                hubspot_defined: false,
                ..def(
                    &format!("custom_field_{n}"),
                    &format!("Custom field {n}"),
                    "string",
                    "text",
                    "custom",
                )
            }));
            all
        }
        "companies" => vec![
            def(
                "name",
                "Company name",
                "string",
                "text",
                "companyinformation",
            ),
            def(
                "domain",
                "Company Domain Name",
                "string",
                "text",
                "companyinformation",
            ),
            def(
                "hs_lastmodifieddate",
                "Last Modified Date",
                "datetime",
                "date",
                "companyinformation",
            ),
            created,
            id,
        ],
        "deals" => vec![
            def("dealname", "Deal Name", "string", "text", "dealinformation"),
            def("amount", "Amount", "number", "number", "dealinformation"),
            with_options(
                def(
                    "dealstage",
                    "Deal Stage",
                    "enumeration",
                    "radio",
                    "dealinformation",
                ),
                stage_options(&DEAL_PIPELINES),
            ),
            with_options(
                def(
                    "pipeline",
                    "Pipeline",
                    "enumeration",
                    "select",
                    "dealinformation",
                ),
                DEAL_PIPELINES.iter().map(|p| (p.id, p.label)).collect(),
            ),
            def(
                "closedate",
                "Close Date",
                "datetime",
                "date",
                "dealinformation",
            ),
            def(
                "hs_lastmodifieddate",
                "Last Modified Date",
                "datetime",
                "date",
                "dealinformation",
            ),
            owner_def(),
            created,
            id,
        ],
        "tickets" => vec![
            def(
                "subject",
                "Ticket name",
                "string",
                "text",
                "ticketinformation",
            ),
            def(
                "content",
                "Ticket description",
                "string",
                "textarea",
                "ticketinformation",
            ),
            with_options(
                def(
                    "hs_pipeline",
                    "Pipeline",
                    "enumeration",
                    "select",
                    "ticketinformation",
                ),
                TICKET_PIPELINES.iter().map(|p| (p.id, p.label)).collect(),
            ),
            with_options(
                def(
                    "hs_pipeline_stage",
                    "Ticket status",
                    "enumeration",
                    "select",
                    "ticketinformation",
                ),
                stage_options(&TICKET_PIPELINES),
            ),
            with_options(
                def(
                    "hs_ticket_priority",
                    "Priority",
                    "enumeration",
                    "select",
                    "ticketinformation",
                ),
                vec![("LOW", "Low"), ("MEDIUM", "Medium"), ("HIGH", "High")],
            ),
            def(
                "hs_lastmodifieddate",
                "Last Modified Date",
                "datetime",
                "date",
                "ticketinformation",
            ),
            owner_def(),
            created,
            id,
        ],
        _ => vec![
            PropertyDef {
                hubspot_defined: false,
                ..def("model", "Model", "string", "text", "car_information")
            },
            PropertyDef {
                hubspot_defined: false,
                ..def("year", "Year", "number", "number", "car_information")
            },
            PropertyDef {
                hubspot_defined: false,
                ..with_options(
                    def("paint", "Paint", "enumeration", "select", "car_information"),
                    vec![
                        ("racing_green", "Racing green"),
                        ("signal_red", "Signal red"),
                    ],
                )
            },
            def(
                "hs_lastmodifieddate",
                "Last Modified Date",
                "datetime",
                "date",
                "car_information",
            ),
            created,
            id,
        ],
    }
}

/// The portal's owners' names.
const OWNER_NAMES: [&str; 4] = [
    "Ada Lovelace",
    "Grace Hopper",
    "Alan Turing",
    "Radia Perlman",
];

/// The id of the `n`th owner.
fn owner_id(n: usize) -> String {
    (41_000_001 + n as u64 * 3).to_string()
}

/// The portal's owners.
pub fn owners() -> Vec<Owner> {
    OWNER_NAMES
        .iter()
        .enumerate()
        .map(|(n, name)| {
            let (first, last) = name.split_once(' ').unwrap_or((name, ""));
            Owner {
                id: owner_id(n),
                email: format!("{}@sandbox-portal.example.com", first.to_lowercase()),
                first_name: first.to_owned(),
                last_name: last.to_owned(),
                user_id: 7_000_001 + n as u64,
            }
        })
        .collect()
}

/// The owner id of the `n`th record (every fourth has none).
pub fn owner_of(n: usize) -> Option<String> {
    (n % 4 != 3).then(|| owner_id(n % OWNER_NAMES.len()))
}

/// `count` tickets, each about a company and a contact.
pub fn tickets(count: usize, companies: &[CrmRecord], contacts: &[CrmRecord]) -> Vec<CrmRecord> {
    (0..count)
        .map(|i| {
            let stage = TICKET_PIPELINES[0].stages[i % 4].0;
            let mut associations = Vec::new();
            if !companies.is_empty() {
                associations.push(("companies", companies[(i * 3) % companies.len()].id.clone()));
            }
            if !contacts.is_empty() {
                associations.push(("contacts", contacts[(i * 5) % contacts.len()].id.clone()));
            }
            let time = format!("2025-03-{:02}T10:00:00.000Z", 1 + i % 28);
            CrmRecord {
                id: (3_000_000_001u64 + i as u64 * 13).to_string(),
                properties: vec![
                    ("subject", Some(format!("Ticket {i}: printer on fire"))),
                    ("content", Some(format!("Reported by phone, case {i}."))),
                    ("hs_pipeline", Some("0".to_owned())),
                    ("hs_pipeline_stage", Some(stage.to_owned())),
                    (
                        "hs_ticket_priority",
                        Some(["LOW", "MEDIUM", "HIGH"][i % 3].to_owned()),
                    ),
                    ("hubspot_owner_id", owner_of(i)),
                ],
                created_at: time.clone(),
                updated_at: time,
                associations,
            }
        })
        .collect()
}

/// The custom object's records: `count` cars.
pub fn cars(count: usize, contacts: &[CrmRecord]) -> Vec<CrmRecord> {
    (0..count)
        .map(|i| {
            let time = format!("2024-06-{:02}T08:30:00.000Z", 1 + i % 28);
            CrmRecord {
                id: (8_100_001 + i as u64 * 2).to_string(),
                properties: vec![
                    (
                        "model",
                        Some(["Morgan Plus Four", "Citroën DS", "Saab 96"][i % 3].to_owned()),
                    ),
                    ("year", Some((1955 + i).to_string())),
                    (
                        "paint",
                        Some(["racing_green", "signal_red"][i % 2].to_owned()),
                    ),
                ],
                created_at: time.clone(),
                updated_at: time,
                associations: contacts
                    .get(i)
                    .map(|c| vec![("contacts", c.id.clone())])
                    .unwrap_or_default(),
            }
        })
        .collect()
}
