namespace LmsCloud.Sis;

/// <summary>
/// The OneRoster CSV headers in the specification's column order (1.1 and 1.2), and the file types each version's
/// manifest knows. Shared by everything that writes a package (the generator, the district's OneRoster export), so
/// they write the same columns; what the importer reads of them is <see cref="RosterFiles"/>.
/// </summary>
internal static class OneRosterHeaders
{
    public static readonly string[] OrgsHeader = ["sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"];
    public static readonly string[] SessionsHeader = ["sourcedId", "status", "dateLastModified", "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear"];
    public static readonly string[] CoursesHeader = ["sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "title", "courseCode", "grades", "orgSourcedId", "subjects", "subjectCodes"];
    public static readonly string[] ClassesHeader = ["sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId", "classCode", "classType", "location", "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods"];
    public static readonly string[] Users11Header = ["sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role", "username", "userIds", "givenName", "familyName", "middleName", "identifier", "email", "sms", "phone", "agentSourcedIds", "grades", "password"];
    public static readonly string[] Users12Header = ["sourcedId", "status", "dateLastModified", "enabledUser", "username", "userIds", "givenName", "familyName", "middleName", "identifier", "email", "sms", "phone", "agentSourcedIds", "grades", "password", "userMasterIdentifier", "resourceSourcedIds", "preferredGivenName", "preferredMiddleName", "preferredFamilyName", "primaryOrgSourcedId", "pronouns"];
    public static readonly string[] RolesHeader = ["sourcedId", "status", "dateLastModified", "userSourcedId", "roleType", "role", "beginDate", "endDate", "orgSourcedId", "userProfileSourcedId"];
    public static readonly string[] EnrollmentsHeader = ["sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary", "beginDate", "endDate"];
    public static readonly string[] DemographicsHeader = ["sourcedId", "status", "dateLastModified", "birthDate", "sex", "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican", "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces", "hispanicOrLatinoEthnicity", "countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth", "publicSchoolResidenceStatus"];

    /// <summary>Every file type the manifest of each version knows; a package declares the ones it does not hold absent.</summary>
    public static readonly string[] Manifest11Files = ["academicSessions", "categories", "classes", "classResources", "courses", "courseResources", "demographics", "enrollments", "lineItems", "orgs", "resources", "results", "users"];
    public static readonly string[] Manifest12Files = ["academicSessions", "categories", "classes", "classResources", "courses", "courseResources", "demographics", "enrollments", "lineItemLearningObjectiveIds", "lineItems", "lineItemScoreScales", "orgs", "resources", "resultLearningObjectiveIds", "results", "resultScoreScales", "roles", "scoreScales", "userProfiles", "userResources", "users"];
}
