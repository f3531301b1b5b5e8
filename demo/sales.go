package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// The sales database is modelled on the source's retail set (daily sales,
// January 2013 to October 2015), plus a customers table holding personal
// data for the permission demos.

type Shop struct {
	ShopName string `parquet:"shop_name"`
	ShopID   int32  `parquet:"shop_id"`
}

type ItemCategory struct {
	ItemCategoryName string `parquet:"item_category_name"`
	ItemCategoryID   int32  `parquet:"item_category_id"`
}

type Item struct {
	ItemName       string `parquet:"item_name"`
	ItemID         int32  `parquet:"item_id"`
	ItemCategoryID int32  `parquet:"item_category_id"`
}

type Sale struct {
	Date         string  `parquet:"date"` // dd.mm.yyyy, a string as in the original
	DateBlockNum int32   `parquet:"date_block_num"`
	ShopID       int32   `parquet:"shop_id"`
	ItemID       int32   `parquet:"item_id"`
	ItemPrice    float64 `parquet:"item_price"`
	ItemCntDay   float64 `parquet:"item_cnt_day"`
}

type Customer struct {
	CustomerID int32  `parquet:"customer_id"`
	Name       string `parquet:"name"`
	Email      string `parquet:"email"`
	Phone      string `parquet:"phone"`
	Region     string `parquet:"region"`
	PaymentID  string `parquet:"payment_id"`
}

// Sizes of the demo sales database, in rows per table.
const (
	ShopRows     = 60
	CategoryRows = 84
	ItemRows     = 2200
	SaleRows     = 300_000
	CustomerRows = 5000
)

var (
	cities     = []string{"Moscow", "Saint Petersburg", "Kazan", "Novosibirsk", "Yekaterinburg", "Samara", "Omsk", "Voronezh", "Krasnoyarsk", "Tyumen", "Ufa", "Yakutsk"}
	shopKinds  = []string{"TC Mega", "TRK Atrium", "Shopping centre", "Outlet"}
	catGroups  = []string{"Games", "Game consoles", "Music", "Movies", "Books", "Gifts", "Programs", "Accessories", "Payment cards", "Delivery"}
	catKinds   = []string{"PS3", "PS4", "XBOX 360", "XBOX ONE", "PC", "CD", "DVD", "Blu-Ray", "Digital", "Collector's edition"}
	firstNames = []string{"Anna", "Boris", "Dmitri", "Elena", "Fyodor", "Galina", "Igor", "Katya", "Leonid", "Marina", "Nikolai", "Olga", "Pavel", "Svetlana", "Yuri"}
	lastNames  = []string{"Ivanov", "Petrova", "Sidorov", "Smirnova", "Kuznetsov", "Popova", "Volkov", "Sokolova", "Lebedev", "Novikova"}
	regions    = []string{"east", "west", "north", "south"}
)

// SalesData is the generated sales database, one row set per table.
type SalesData struct {
	Shops      []Shop
	Categories []ItemCategory
	Items      []Item
	Sales      []Sale
	Customers  []Customer
}

// GenerateSales makes the deterministic sales database.
func GenerateSales(seed uint64) SalesData {
	r := rand.New(rand.NewPCG(seed, seed^0x5a1e5))
	var d SalesData
	for i := range ShopRows {
		d.Shops = append(d.Shops, Shop{fmt.Sprintf("%s %s %d", cities[i%len(cities)], shopKinds[i%len(shopKinds)], i/len(cities)+1), int32(i)})
	}
	for i := range CategoryRows {
		d.Categories = append(d.Categories, ItemCategory{fmt.Sprintf("%s - %s", catGroups[i%len(catGroups)], catKinds[(i/len(catGroups)+i)%len(catKinds)]), int32(i)})
	}
	for i := range ItemRows {
		d.Items = append(d.Items, Item{fmt.Sprintf("ITEM %04d %s", i, catKinds[r.IntN(len(catKinds))]), int32(i), int32(r.IntN(CategoryRows))})
	}
	d.Sales = generateSales(r, d.Items)
	for i := range CustomerRows {
		first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		d.Customers = append(d.Customers, Customer{
			CustomerID: int32(i + 1),
			Name:       first + " " + last,
			Email:      fmt.Sprintf("%s.%s%d@example.com", strings.ToLower(first), strings.ToLower(last), i+1),
			Phone:      fmt.Sprintf("+7-9%02d-%03d-%04d", r.IntN(100), r.IntN(1000), r.IntN(10000)),
			Region:     regions[r.IntN(len(regions))],
			PaymentID:  fmt.Sprintf("pay_%016x", r.Uint64()),
		})
	}
	return d
}

func generateSales(r *rand.Rand, items []Item) []Sale {
	start := time.Date(2013, 1, 1, 0, 0, 0, 0, time.UTC)
	days := int(time.Date(2015, 10, 31, 0, 0, 0, 0, time.UTC).Sub(start).Hours()/24) + 1
	prices := make([]float64, len(items))
	for i := range prices {
		prices[i] = float64(99+r.IntN(2900)) + []float64{0, 0.5, 0.99}[r.IntN(3)]
	}
	out := make([]Sale, 0, SaleRows)
	for i := range SaleRows {
		day := start.AddDate(0, 0, i*days/SaleRows)
		item := r.IntN(len(items))
		cnt := float64(1 + r.IntN(3)/2)
		if r.IntN(200) == 0 {
			cnt = -1 // returns, as in the original data
		}
		out = append(out, Sale{
			Date:         day.Format("02.01.2006"),
			DateBlockNum: int32((day.Year()-2013)*12 + int(day.Month()) - 1),
			ShopID:       int32(r.IntN(ShopRows)),
			ItemID:       int32(item),
			ItemPrice:    prices[item],
			ItemCntDay:   cnt,
		})
	}
	return out
}
