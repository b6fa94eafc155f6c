//! What a whole load of the sandbox's HubSpot portal gives, in Inlet's ids (shared with the
//! CLI's tests, which include this file).

/// Every item a whole load of the sandbox's portal gives, as (kind, id): its records, owners,
/// object types and pipelines.
pub fn hubspot_ids(hub: &inlet_sandbox::dataset::HubSpotData) -> Vec<(String, String)> {
    use inlet_sandbox::dataset::hubspot::{owners, CARS_TYPE_ID, DEAL_PIPELINES, TICKET_PIPELINES};
    let lists = [
        ("contact", &hub.contacts),
        ("company", &hub.companies),
        ("deal", &hub.deals),
        ("ticket", &hub.tickets),
        ("custom_object", &hub.cars),
    ];
    let mut ids: Vec<(String, String)> = lists
        .iter()
        .flat_map(|(kind, list)| list.iter().map(|r| ((*kind).to_owned(), r.id.clone())))
        .collect();
    ids.extend(
        owners()
            .into_iter()
            .map(|o| ("owner".to_owned(), format!("owner:{}", o.id))),
    );
    let types = ["0-1", "0-2", "0-3", "0-5", CARS_TYPE_ID];
    ids.extend(
        types
            .iter()
            .map(|t| ("object_type".to_owned(), (*t).to_owned())),
    );
    for (type_id, pipelines) in [("0-3", &DEAL_PIPELINES[..]), ("0-5", &TICKET_PIPELINES[..])] {
        ids.extend(pipelines.iter().map(|p| {
            (
                "pipeline".to_owned(),
                format!("pipeline:{type_id}:{}", p.id),
            )
        }));
    }
    ids
}
