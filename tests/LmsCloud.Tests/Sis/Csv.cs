namespace LmsCloud.Tests.Sis;

/// <summary>Splits one CSV line into its fields the way the importer's reader does (CsvHelper).</summary>
internal static class Csv
{
    public static List<string> Fields(string line)
    {
        using var reader = CsvHelper.CsvReader.FromText(line, new CsvHelper.CsvReaderOptions { Separator = ',', HasHeader = false });
        return reader.Read() ? Enumerable.Range(0, reader.FieldCount).Select(reader.GetString).ToList() : [""];
    }
}
