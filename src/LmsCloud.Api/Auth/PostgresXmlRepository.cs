using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace LmsCloud.Api.Auth;

/// <summary>
/// The data-protection key ring in the platform table <c>data_protection_keys</c> (migration 0012), so every API node
/// reads the same keys. A few lines of Npgsql rather than the EF Core package: our <c>LmsDbContext</c> is bound to one
/// district, and the key ring belongs to none. The key manager calls this synchronously and caches what it reads.
/// </summary>
public sealed class PostgresXmlRepository(NpgsqlDataSource database) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var cmd = database.CreateCommand("select xml from data_protection_keys order by created_at, id");
        using var reader = cmd.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read()) elements.Add(XElement.Parse(reader.GetString(0)));
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var cmd = database.CreateCommand("insert into data_protection_keys (friendly_name, xml) values ($1, $2)");
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)friendlyName ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter { Value = element.ToString(SaveOptions.DisableFormatting) });
        cmd.ExecuteNonQuery();
    }
}
